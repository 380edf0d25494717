package meeting

import (
	"context"
	"sort"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Gap is a stretch of more than three months between consecutive meetings.
type Gap struct {
	After, Before Meeting
	Days          int
}

// ChairCount is how often a municipality chaired, and the day it last did.
type ChairCount struct {
	Organisation  organisation.Ref
	Count         int
	LastChairedOn time.Time // zero: not in the period
}

// Health is the schedule's health over a period, computed from the meetings.
type Health struct {
	From, To                     time.Time
	Meetings                     int
	Gaps                         []Gap
	YearsWithoutResidentsMeeting []int
	ChairCounts                  []ChairCount
	WithoutGuestChair            []Meeting
	OverdueReports               []Meeting
	// SuggestedGuestChairs are the active member municipalities that
	// chaired least in the period, the one that chaired longest ago (or
	// never) first: whom to ask next.
	SuggestedGuestChairs []ChairCount
}

// CommitmentStart is when the action plan's commitment NL0037 began.
var CommitmentStart = time.Date(2018, 7, 1, 0, 0, 0, 0, time.UTC)

// Health computes the schedule's health for the days from..to (zero: from
// the commitment's start until today). Cancelled meetings do not count.
func (s *Service) Health(ctx context.Context, from, to time.Time) (Health, error) {
	now := s.now()
	if from.IsZero() {
		from = CommitmentStart
	}
	if to.IsZero() {
		to = domain.Today(now)
	}
	if to.Before(from) {
		return Health{}, (domain.Problems{{Name: "to", Reason: "must not be before from"}}).Err()
	}
	start, end := domain.DayStart(from), domain.DayStart(to.AddDate(0, 0, 1))
	h := Health{From: from, To: to}
	all, err := s.store.ListMeetings(ctx, Query{Filter: Filter{From: start, To: end}, All: true})
	if err != nil {
		return Health{}, err
	}
	var meetings []Meeting
	for _, m := range all.Items {
		if m.Status != StatusCancelled && !m.StartsAt.Before(start) {
			meetings = append(meetings, m)
		}
	}
	h.Meetings = len(meetings)
	residentYears := map[int]bool{}
	chairs := map[string]*ChairCount{}
	for i, m := range meetings {
		if i > 0 {
			prev := meetings[i-1]
			// Calendar dates, so that a change to summer time makes no gap.
			if m.Day().After(prev.Day().AddDate(0, 3, 0)) {
				h.Gaps = append(h.Gaps, Gap{After: prev, Before: m, Days: int(m.Day().Sub(prev.Day()).Hours() / 24)})
			}
		}
		if m.Format == FormatResidents {
			residentYears[m.StartsAt.In(domain.Amsterdam).Year()] = true
		}
		if m.GuestChair == nil {
			h.WithoutGuestChair = append(h.WithoutGuestChair, m)
		} else {
			c, ok := chairs[m.GuestChair.ID]
			if !ok {
				c = &ChairCount{Organisation: *m.GuestChair}
				chairs[m.GuestChair.ID] = c
			}
			c.Count++
			c.LastChairedOn = m.Day() // meetings come in order of start
		}
		if m.ReportOverdue(now) {
			h.OverdueReports = append(h.OverdueReports, m)
		}
	}
	for y := from.Year(); y <= to.Year(); y++ {
		if !residentYears[y] {
			h.YearsWithoutResidentsMeeting = append(h.YearsWithoutResidentsMeeting, y)
		}
	}
	// Every member municipality active at the end of the period, chaired or not.
	municipalities := func(cursor string) (domain.Page[organisation.Organisation], error) {
		return s.orgs.List(ctx, organisation.Query{Filter: organisation.Filter{Kind: organisation.KindMunicipality},
			PageSize: domain.MaxPageSize, Cursor: cursor})
	}
	active := map[string]bool{}
	for o, err := range domain.Items(municipalities) {
		if err != nil {
			return Health{}, err
		}
		active[o.ID] = o.ActiveOn(to)
		if _, ok := chairs[o.ID]; !ok && active[o.ID] {
			chairs[o.ID] = &ChairCount{Organisation: o.Ref()}
		}
	}
	for _, c := range chairs {
		h.ChairCounts = append(h.ChairCounts, *c)
	}
	sort.Slice(h.ChairCounts, func(i, j int) bool {
		a, b := h.ChairCounts[i], h.ChairCounts[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Organisation.Code < b.Organisation.Code
	})
	h.SuggestedGuestChairs = suggestGuestChairs(h.ChairCounts, active)
	return h, nil
}

// suggestGuestChairs picks, of the active municipalities in counts, those
// that chaired least; the one that chaired longest ago (never: first) leads,
// the code breaks ties.
func suggestGuestChairs(counts []ChairCount, active map[string]bool) []ChairCount {
	var out []ChairCount
	for _, c := range counts {
		switch {
		case !active[c.Organisation.ID]:
		case len(out) == 0 || c.Count < out[0].Count:
			out = append(out[:0], c)
		case c.Count == out[0].Count:
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.LastChairedOn.Equal(b.LastChairedOn) {
			return a.LastChairedOn.Before(b.LastChairedOn)
		}
		return a.Organisation.Code < b.Organisation.Code
	})
	return out
}
