package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/calendar"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// The iCalendar feed of the meeting schedule (RFC 5545), written by the
// calendar package a page of meetings at a time.

// GetMeetingsFeed serves GET /feeds/meetings.ics: the meetings that match
// the filters of GET /meetings, cancelled ones included, no paging. Without
// from and to it holds what calendar clients expect: the meetings from
// twelve months back onward. The meetings come from the store a page at a
// time and are written as they come, so the feed never holds them all.
func (s *Server) GetMeetingsFeed(ctx context.Context, req api.GetMeetingsFeedRequestObject) (api.GetMeetingsFeedResponseObject, error) {
	p := req.Params
	lr, err := meetingListRequest(p.From, p.To, p.Status, p.Format, p.Organisation, p.GuestChair, p.Q)
	if err != nil {
		return nil, err
	}
	if p.From == nil && p.To == nil {
		lr.Filter.From = feedWindowStart(s.now())
	}
	if !lr.Filter.From.IsZero() && !lr.Filter.To.IsZero() && !lr.Filter.To.After(lr.Filter.From) {
		return nil, (domain.Problems{{Name: "to", Reason: "must not be before from"}}).Err()
	}
	lr.PageSize = feedPageSize
	list := func(cursor string) (domain.Page[meeting.Meeting], error) {
		lr.Cursor = cursor
		page, err := s.meetings.List(ctx, lr)
		if err == nil && feedPageHook != nil {
			feedPageHook(ctx, len(page.Items))
		}
		return page, err
	}
	// The first page is read here, so that a failure is a problem and not
	// a calendar cut short.
	first, err := list("")
	if err != nil {
		return nil, err
	}
	lang, vary := feedLang(p.Lang, p.AcceptLanguage)
	return feedResponse{first: first, next: list, origin: s.publicURL, lang: lang, varyLanguage: vary}, nil
}

// feedPageSize is how many meetings the feed reads at a time: the largest
// page the service serves.
const feedPageSize = domain.MaxPageSize

// feedPageHook, when set (by tests), sees the size of every page the feed reads.
var feedPageHook func(ctx context.Context, n int)

// feedWindowStart is where the feed starts without from and to: the start
// of the day twelve months back, in Amsterdam. It moves once a day, so the
// feed stays the same between writes all day long.
func feedWindowStart(now time.Time) time.Time {
	y, m, d := now.In(domain.Amsterdam).Date()
	return time.Date(y-1, m, d, 0, 0, 0, 0, domain.Amsterdam).UTC()
}

// feedLang is the feed's language: lang when given, else the first of
// Dutch and English that Accept-Language prefers, else Dutch (as the
// embeddable schedule). vary says that Accept-Language chose it.
func feedLang(lang *api.GetMeetingsFeedParamsLang, acceptLanguage *string) (string, bool) {
	if lang != nil {
		return string(*lang), false
	}
	if acceptLanguage == nil {
		return "nl", true
	}
	best, bestQ := "nl", 0.0
	for _, part := range strings.Split(*acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if primary != "nl" && primary != "en" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best, true
}

// feedResponse is the 200 of the feed. The generated response type says
// text/calendar without a charset; RFC 5545 section 8.1 allows charset and
// clients guess less with it. It writes the calendar as the pages come.
type feedResponse struct {
	first        domain.Page[meeting.Meeting]
	next         func(cursor string) (domain.Page[meeting.Meeting], error)
	origin, lang string
	varyLanguage bool // the language came from Accept-Language
}

func (r feedResponse) VisitGetMeetingsFeedResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	if r.varyLanguage {
		w.Header().Add("Vary", "Accept-Language")
	}
	w.WriteHeader(http.StatusOK)
	cw := calendar.NewWriter(w)
	cw.Begin(r.lang)
	for page := r.first; ; {
		for i := range page.Items {
			cw.Event(&page.Items[i], r.origin, r.lang)
		}
		if page.Next == "" {
			break
		}
		var err error
		if page, err = r.next(page.Next); err != nil {
			return err
		}
		if err := cw.Err(); err != nil {
			return err
		}
	}
	cw.End()
	return cw.Flush()
}
