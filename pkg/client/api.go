package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// API is the hand-written face of the client: the operations partner
// portals and analysts use, with readable names, typed results and a
// *[Problem] as the error of every answer that is not a success. Each method
// takes request editors last, for one-off headers ([Idempotent], a token
// of another caller). Raw reaches every other operation.
type API struct {
	raw *ClientWithResponses
}

// New returns an API for the service at baseURL, the contract's server URL
// with its /v1 (such as https://api.example.org/v1). Options are the
// generated client's: WithHTTPClient, WithRequestEditorFn (a
// [TokenSource]'s Edit, say).
func New(baseURL string, opts ...ClientOption) (*API, error) {
	raw, err := NewClientWithResponses(baseURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("new client: %w", err)
	}
	return &API{raw: raw}, nil
}

// Raw is the generated client, for the operations API does not wrap.
func (a *API) Raw() *ClientWithResponses { return a.raw }

// Idempotent sets the Idempotency-Key header, which makes a retried POST
// answer what the first one did instead of creating twice.
func Idempotent(key string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Idempotency-Key", key)
		return nil
	}
}

// mergePatch is the media type of JSON Merge Patch (RFC 7396). The WithBody
// methods are used because their names do not depend on the media types the
// contract lists for a PATCH.
const mergePatch = "application/merge-patch+json"

// patchBody encodes a merge patch: unset nullable fields are left out, null
// ones sent as null.
func patchBody(patch any) (*bytes.Reader, error) {
	data, err := json.Marshal(patch)
	if err != nil {
		return nil, fmt.Errorf("encode patch: %w", err)
	}
	return bytes.NewReader(data), nil
}

// tagged is the value of a single-resource answer and its entity tag, for
// the If-Match of the next write.
func tagged[T any](res *http.Response, body []byte, v *T) (*T, string, error) {
	v, err := result(res, body, v)
	if err != nil {
		return nil, "", err
	}
	return v, res.Header.Get("ETag"), nil
}

// pager is a generated page type.
type pager[T any] interface{ page() Page[T] }

// listed is the Page of a list answer.
func listed[T any, P pager[T]](res *http.Response, body []byte, p *P) (Page[T], error) {
	v, err := result(res, body, p)
	if err != nil {
		return Page[T]{}, err
	}
	return (*v).page(), nil
}

func (p MeetingPage) page() Page[Meeting]           { return pageOf(p.Items, p.NextCursor) }
func (p MilestonePage) page() Page[Milestone]       { return pageOf(p.Items, p.NextCursor) }
func (p OrganisationPage) page() Page[Organisation] { return pageOf(p.Items, p.NextCursor) }
func (p PersonPage) page() Page[Person]             { return pageOf(p.Items, p.NextCursor) }
func (p PublicationPage) page() Page[Publication]   { return pageOf(p.Items, p.NextCursor) }

// pageSize is the page size All… asks for unless the caller chose one: the
// largest, so that a full read takes the fewest requests.
func pageSize(p **PageSize) {
	if *p == nil {
		n := PageSize(100)
		*p = &n
	}
}

// Meetings

// ListMeetings reads one page of meetings; params.Cursor selects the page.
func (a *API) ListMeetings(ctx context.Context, params *ListMeetingsParams, eds ...RequestEditorFn) (Page[Meeting], error) {
	res, err := a.raw.ListMeetingsWithResponse(ctx, params, eds...)
	if err != nil {
		return Page[Meeting]{}, err
	}
	return listed[Meeting](res.HTTPResponse, res.Body, res.JSON200)
}

// AllMeetings yields every meeting that params select, across pages.
func (a *API) AllMeetings(ctx context.Context, params ListMeetingsParams, eds ...RequestEditorFn) iter.Seq2[Meeting, error] {
	pageSize(&params.PageSize)
	return All(ctx, func(cursor string) (Page[Meeting], error) {
		params.Cursor = cursorParam(cursor)
		return a.ListMeetings(ctx, &params, eds...)
	})
}

// GetMeeting reads a meeting and its ETag.
func (a *API) GetMeeting(ctx context.Context, id MeetingRef, eds ...RequestEditorFn) (*Meeting, string, error) {
	res, err := a.raw.GetMeetingWithResponse(ctx, id, eds...)
	if err != nil {
		return nil, "", err
	}
	return tagged(res.HTTPResponse, res.Body, res.JSON200)
}

// CreateMeeting creates a meeting (editors and admins) and returns it with
// its ETag.
func (a *API) CreateMeeting(ctx context.Context, in MeetingInput, eds ...RequestEditorFn) (*Meeting, string, error) {
	res, err := a.raw.CreateMeetingWithResponse(ctx, &CreateMeetingParams{}, in, eds...)
	if err != nil {
		return nil, "", err
	}
	return tagged(res.HTTPResponse, res.Body, res.JSON201)
}

// PatchMeeting merges patch into the meeting whose ETag is etag (from
// GetMeeting, or the last write) and returns it with its new ETag. A stale
// etag answers a *Problem with status 412.
func (a *API) PatchMeeting(ctx context.Context, id MeetingRef, etag string, patch MeetingPatch, eds ...RequestEditorFn) (*Meeting, string, error) {
	body, err := patchBody(patch)
	if err != nil {
		return nil, "", err
	}
	res, err := a.raw.UpdateMeetingWithBodyWithResponse(ctx, id, &UpdateMeetingParams{IfMatch: &etag}, mergePatch, body, eds...)
	if err != nil {
		return nil, "", err
	}
	return tagged(res.HTTPResponse, res.Body, res.JSON200)
}

// Milestones

// ListMilestones reads one page of milestones; params.Cursor selects the
// page, params.AsOf the day the record is read as of.
func (a *API) ListMilestones(ctx context.Context, params *ListMilestonesParams, eds ...RequestEditorFn) (Page[Milestone], error) {
	res, err := a.raw.ListMilestonesWithResponse(ctx, params, eds...)
	if err != nil {
		return Page[Milestone]{}, err
	}
	return listed[Milestone](res.HTTPResponse, res.Body, res.JSON200)
}

// AllMilestones yields every milestone that params select, across pages.
func (a *API) AllMilestones(ctx context.Context, params ListMilestonesParams, eds ...RequestEditorFn) iter.Seq2[Milestone, error] {
	pageSize(&params.PageSize)
	return All(ctx, func(cursor string) (Page[Milestone], error) {
		params.Cursor = cursorParam(cursor)
		return a.ListMilestones(ctx, &params, eds...)
	})
}

// GetMilestone reads a milestone and its ETag.
func (a *API) GetMilestone(ctx context.Context, id MilestoneRef, params *GetMilestoneParams, eds ...RequestEditorFn) (*Milestone, string, error) {
	res, err := a.raw.GetMilestoneWithResponse(ctx, id, params, eds...)
	if err != nil {
		return nil, "", err
	}
	return tagged(res.HTTPResponse, res.Body, res.JSON200)
}

// PatchMilestone merges patch into the milestone whose ETag is etag.
func (a *API) PatchMilestone(ctx context.Context, id MilestoneRef, etag string, patch MilestonePatch, eds ...RequestEditorFn) (*Milestone, string, error) {
	body, err := patchBody(patch)
	if err != nil {
		return nil, "", err
	}
	res, err := a.raw.UpdateMilestoneWithBodyWithResponse(ctx, id, &UpdateMilestoneParams{IfMatch: &etag}, mergePatch, body, eds...)
	if err != nil {
		return nil, "", err
	}
	return tagged(res.HTTPResponse, res.Body, res.JSON200)
}

// Organisations

// ListOrganisations reads one page of organisations.
func (a *API) ListOrganisations(ctx context.Context, params *ListOrganisationsParams, eds ...RequestEditorFn) (Page[Organisation], error) {
	res, err := a.raw.ListOrganisationsWithResponse(ctx, params, eds...)
	if err != nil {
		return Page[Organisation]{}, err
	}
	return listed[Organisation](res.HTTPResponse, res.Body, res.JSON200)
}

// AllOrganisations yields every organisation that params select.
func (a *API) AllOrganisations(ctx context.Context, params ListOrganisationsParams, eds ...RequestEditorFn) iter.Seq2[Organisation, error] {
	pageSize(&params.PageSize)
	return All(ctx, func(cursor string) (Page[Organisation], error) {
		params.Cursor = cursorParam(cursor)
		return a.ListOrganisations(ctx, &params, eds...)
	})
}

// GetOrganisation reads an organisation, by id or code (GM0606), and its ETag.
func (a *API) GetOrganisation(ctx context.Context, idOrCode OrganisationRef, eds ...RequestEditorFn) (*Organisation, string, error) {
	res, err := a.raw.GetOrganisationWithResponse(ctx, idOrCode, eds...)
	if err != nil {
		return nil, "", err
	}
	return tagged(res.HTTPResponse, res.Body, res.JSON200)
}

// People

// ListPeople reads one page of people, as far as the caller may see them.
func (a *API) ListPeople(ctx context.Context, params *ListPeopleParams, eds ...RequestEditorFn) (Page[Person], error) {
	res, err := a.raw.ListPeopleWithResponse(ctx, params, eds...)
	if err != nil {
		return Page[Person]{}, err
	}
	return listed[Person](res.HTTPResponse, res.Body, res.JSON200)
}

// AllPeople yields every person that params select and the caller may see.
func (a *API) AllPeople(ctx context.Context, params ListPeopleParams, eds ...RequestEditorFn) iter.Seq2[Person, error] {
	pageSize(&params.PageSize)
	return All(ctx, func(cursor string) (Page[Person], error) {
		params.Cursor = cursorParam(cursor)
		return a.ListPeople(ctx, &params, eds...)
	})
}

// GetPerson reads a person and the ETag.
func (a *API) GetPerson(ctx context.Context, id PersonRef, eds ...RequestEditorFn) (*Person, string, error) {
	res, err := a.raw.GetPersonWithResponse(ctx, id, eds...)
	if err != nil {
		return nil, "", err
	}
	return tagged(res.HTTPResponse, res.Body, res.JSON200)
}

// Publications

// ListPublications reads one page of publications.
func (a *API) ListPublications(ctx context.Context, params *ListPublicationsParams, eds ...RequestEditorFn) (Page[Publication], error) {
	res, err := a.raw.ListPublicationsWithResponse(ctx, params, eds...)
	if err != nil {
		return Page[Publication]{}, err
	}
	return listed[Publication](res.HTTPResponse, res.Body, res.JSON200)
}

// AllPublications yields every publication that params select.
func (a *API) AllPublications(ctx context.Context, params ListPublicationsParams, eds ...RequestEditorFn) iter.Seq2[Publication, error] {
	pageSize(&params.PageSize)
	return All(ctx, func(cursor string) (Page[Publication], error) {
		params.Cursor = cursorParam(cursor)
		return a.ListPublications(ctx, &params, eds...)
	})
}

// The change feed

// ChangePage is one page of the change feed.
type ChangePage struct {
	Items []ChangeEvent
	// Cursor is where the next read starts, also after an empty page: store
	// it with your copy and send it next time.
	Cursor string
	// More is true while changes follow (a Link rel="next"): read on at
	// once. When false, the feed is caught up: poll again later.
	More bool
}

// Changes reads the page of the change feed after cursor ("" for the
// first change ever); pageSize 0 is the server's default.
func (a *API) Changes(ctx context.Context, cursor string, pageSize int, eds ...RequestEditorFn) (ChangePage, error) {
	params := &ListChangesParams{Cursor: cursorParam(cursor)}
	if pageSize > 0 {
		params.PageSize = &pageSize
	}
	res, err := a.raw.ListChangesWithResponse(ctx, params, eds...)
	if err != nil {
		return ChangePage{}, err
	}
	p, err := result(res.HTTPResponse, res.Body, res.JSON200)
	if err != nil {
		return ChangePage{}, err
	}
	more := false
	for _, link := range res.HTTPResponse.Header.Values("Link") {
		more = more || strings.Contains(link, `rel="next"`)
	}
	return ChangePage{Items: p.Items, Cursor: p.Cursor, More: more}, nil
}

// AllChanges yields the changes after cursor until the feed is caught up.
// It does not say where it stopped: a program that keeps a copy and resumes
// later reads page by page with Changes and stores each page's Cursor.
func (a *API) AllChanges(ctx context.Context, cursor string, eds ...RequestEditorFn) iter.Seq2[ChangeEvent, error] {
	return All(ctx, func(c string) (Page[ChangeEvent], error) {
		if c == "" {
			c = cursor
		}
		p, err := a.Changes(ctx, c, 100, eds...)
		if err != nil || !p.More {
			return Page[ChangeEvent]{Items: p.Items}, err
		}
		return Page[ChangeEvent]{Items: p.Items, Next: p.Cursor}, nil
	})
}
