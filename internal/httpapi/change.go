package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
)

// changes is what the handlers need of the change feed.
type changes interface {
	Since(ctx context.Context, after int64, limit int) (change.Page, error)
}

// changeRetryAfter is how long a poller that found nothing new waits, in seconds.
const changeRetryAfter = 30

// ListChanges serves GET /changes.
func (s *Server) ListChanges(ctx context.Context, req api.ListChangesRequestObject) (api.ListChangesResponseObject, error) {
	var p domain.Problems
	after := changeCursor(deref(req.Params.Cursor), &p)
	limit := domain.PageSize(deref(req.Params.PageSize), &p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	page, err := s.changes.Since(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	data := s.changeData
	body := api.ChangeEventPage{Items: make([]api.ChangeEvent, len(page.Events)), Cursor: encodeChangeCursor(page.Last)}
	for i, ev := range page.Events {
		item, err := toAPIChangeEvent(ctx, ev, s.publicURL, data)
		if err != nil {
			return nil, err
		}
		body.Items[i] = item
	}
	headers := api.ListChanges200ResponseHeaders{ETag: ptr(changeETag(ctx, after, limit, page.Head))}
	if page.More {
		headers.Link = ptr(nextLink(ctx, body.Cursor))
	}
	if len(page.Events) == 0 && !page.More {
		headers.RetryAfter = ptr(changeRetryAfter)
	}
	return api.ListChanges200JSONResponse{Body: body, Headers: headers}, nil
}

func toAPIChangeEvent(ctx context.Context, ev change.Event, publicURL string,
	data func(context.Context, change.Event) (json.RawMessage, error)) (api.ChangeEvent, error) {
	out := api.ChangeEvent{ID: ev.ID, Type: api.ChangeEventType(ev.Type), Resource: api.ChangeEventResource(ev.Resource),
		ResourceID: ev.ResourceID, ChangedFields: append([]string{}, ev.Fields...), OccurredAt: ev.At.UTC(),
		Href: publicURL + basePath + "/" + change.Collections[ev.Resource] + "/" + ev.ResourceID}
	raw, err := data(ctx, ev)
	if err != nil {
		return api.ChangeEvent{}, err
	}
	if ev.Value != nil {
		out.Data = &api.ChangeEvent_Data{}
		if err := out.Data.UnmarshalJSON(raw); err != nil {
			return api.ChangeEvent{}, fmt.Errorf("change %s data: %w", ev.ID, err)
		}
	}
	return out, nil
}

// ChangeData returns the mapping from a feed event to what its item's data
// carries: the resource's representation as GET by id gives it, or null for
// a tombstone. The feed and webhook deliveries both use it, so that they
// carry the same. publicURL is where clients reach the API; now the clock
// representations are derived at.
func ChangeData(publicURL string, now domain.Clock) func(ctx context.Context, ev change.Event) (json.RawMessage, error) {
	_ = publicURL // representations carry ids, not links, today
	return func(_ context.Context, ev change.Event) (json.RawMessage, error) {
		var v any
		var err error
		switch value := ev.Value.(type) {
		case nil:
			return json.RawMessage("null"), nil
		case organisation.Organisation:
			v, err = toAPIOrganisation(value)
		case person.Person:
			v, err = toAPIPerson(value)
		case meeting.Meeting:
			v, err = toAPIMeeting(value, now())
		case publication.Publication:
			v, err = toAPIPublication(value)
		case milestone.Commitment:
			v, err = toAPICommitment(value)
		case milestone.Milestone:
			v, err = toAPIMilestone(value)
		case evaluation.Evaluation:
			v, err = toAPIEvaluation(value, now())
		default:
			return nil, fmt.Errorf("change %s: no representation for %T", ev.ID, ev.Value)
		}
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("change %s data: %w", ev.ID, err)
		}
		return data, nil
	}
}

// changeCursorPrefix marks a feed cursor, so that a list's cursor is refused.
const changeCursorPrefix = "seq:"

// encodeChangeCursor is the opaque cursor that resumes after position seq.
func encodeChangeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(changeCursorPrefix + strconv.FormatInt(seq, 10)))
}

// changeCursor reads a feed cursor; none is the start of the feed.
func changeCursor(cursor string, p *domain.Problems) int64 {
	if cursor == "" {
		return 0
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	rest, ok := strings.CutPrefix(string(raw), changeCursorPrefix)
	seq, perr := strconv.ParseInt(rest, 10, 64)
	if err != nil || !ok || perr != nil || seq < 0 {
		p.Add("cursor", "is not a cursor of this feed; start without one or use the cursor of a page")
		return 0
	}
	return seq
}

// changeETag is the feed page's entity tag: the same while no change has
// been recorded since, for the same caller and position, so that a poller's
// If-None-Match is answered 304 until there is something new.
func changeETag(ctx context.Context, after int64, limit int, head int64) string {
	a := domain.ActorFrom(ctx)
	sum := sha256.Sum256(fmt.Appendf(nil, "%q|%q|%q|%q|%t|%q|%d|%d|%d",
		a.Subject, a.Role, a.OrganisationID, a.PersonID, a.Client, strings.Join(a.Scopes, " "), after, limit, head))
	return `"c` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}
