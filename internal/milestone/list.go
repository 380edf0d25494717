package milestone

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Filter is what the store filters on; status, completion and overdue
// follow from evidence and are filtered by the service.
type Filter struct {
	Commitment   string
	Cycle        int
	DueBefore    time.Time
	DueAfter     time.Time
	Q            string
	UpdatedSince time.Time // only items updated at or after it; zero: any
}

// Query is one page from the store.
type Query struct {
	Filter   Filter
	Sort     string // code, plannedEnd, -plannedEnd
	PageSize int
	Cursor   string
}

// ListRequest is a caller's request.
type ListRequest struct {
	Filter     Filter
	Status     Status
	Completion Completion
	Overdue    *bool
	Sort       string
	AsOf       time.Time // a date; zero for now (record time, see When)
	EvidenceOn time.Time // a date; zero follows AsOf (valid time, see When)
	PageSize   int
	Cursor     string
}

func (req ListRequest) when() When { return When{AsOf: req.AsOf, EvidenceOn: req.EvidenceOn} }

// sorts are the orders a milestone list may take.
var sorts = []string{"code", "plannedEnd", "-plannedEnd"}

// List returns one page of milestones, as the record stands now or stood at
// the end of the day AsOf, by the evidence dated up to EvidenceOn. Public.
func (s *Service) List(ctx context.Context, req ListRequest) (domain.Page[Milestone], error) {
	if err := s.check(&req, true); err != nil {
		return domain.Page[Milestone]{}, err
	}
	if !req.AsOf.IsZero() {
		return s.listAsOf(ctx, req)
	}
	var page domain.Page[Milestone]
	cursor, err := req.storeCursor()
	if err != nil {
		return domain.Page[Milestone]{}, err
	}
	seen := req.when().seen(s.now())
	ev := s.evidenceCache()
	// Status, completion and overdue follow from evidence, so the store is
	// asked for exactly as many rows as are still missing until the page is
	// full; the last store page's cursor then continues right after it.
	for len(page.Items) < req.PageSize {
		sp, err := s.store.ListMilestones(ctx, Query{Filter: req.Filter, Sort: req.Sort, PageSize: req.PageSize - len(page.Items), Cursor: cursor})
		if err != nil {
			return domain.Page[Milestone]{}, err
		}
		for _, m := range sp.Items {
			m, err := ev.derive(ctx, s, m, seen)
			if err != nil {
				return domain.Page[Milestone]{}, err
			}
			if req.matches(m) {
				page.Items = append(page.Items, m)
			}
		}
		cursor = sp.Next
		if cursor == "" {
			break
		}
	}
	page.Next = req.liveCursor(cursor)
	return page, nil
}

// derivedSelectors reports whether the page depends on more than the store
// filters: status, completion and overdue follow from the evidence, and the
// evidence from evidenceOn.
func (req ListRequest) derivedSelectors() bool {
	return req.Status != "" || req.Completion != "" || req.Overdue != nil || !req.EvidenceOn.IsZero()
}

// liveCursor wraps the store's cursor with what else selected the page, so
// that it cannot continue a list read with other selectors. Without them it
// is the store's cursor as before, so cursors already handed out stay valid.
func (req ListRequest) liveCursor(cursor string) string {
	if cursor == "" || !req.derivedSelectors() {
		return cursor
	}
	return base64.RawURLEncoding.EncodeToString([]byte(liveFingerprint(req) + "|" + cursor))
}

// storeCursor unwraps what liveCursor wrapped.
func (req ListRequest) storeCursor() (string, error) {
	if req.Cursor == "" || !req.derivedSelectors() {
		return req.Cursor, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(req.Cursor)
	fp, cursor, ok := strings.Cut(string(data), "|")
	if err != nil || !ok || fp != liveFingerprint(req) || cursor == "" {
		return "", errForeignCursor()
	}
	return cursor, nil
}

func errForeignCursor() error {
	return (domain.Problems{{Name: "cursor", Reason: "is not a cursor from this list with these filters and sort; start again without it"}}).Err()
}

func liveFingerprint(req ListRequest) string {
	overdue := "any"
	if req.Overdue != nil {
		overdue = strconv.FormatBool(*req.Overdue)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("live|%s|%s|%s|%s", req.Status, req.Completion, overdue, dateText(req.EvidenceOn))))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func dateText(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// Each calls fn for every milestone the request selects, in order, as the
// store reads them from one query, so that memory stays constant however
// many there are.
func (s *Service) Each(ctx context.Context, req ListRequest, fn func(Milestone) error) error {
	return s.each(ctx, req, s.store.EachMilestone, fn)
}

// pagedMilestones calls fn for every milestone q selects, in order, a page
// at a time: each page is a short read, so it takes no export slot and
// holds no connection while fn runs (the public summaries must not wait
// behind slow export downloads).
func (s *Service) pagedMilestones(ctx context.Context, q Query, fn func(Milestone) error) error {
	stored := func(cursor string) (domain.Page[Milestone], error) {
		return s.store.ListMilestones(ctx, Query{Filter: q.Filter, Sort: q.Sort, PageSize: domain.MaxPageSize, Cursor: cursor})
	}
	for m, err := range domain.Items(stored) {
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// each is Each reading the store's milestones with read.
func (s *Service) each(ctx context.Context, req ListRequest, read func(context.Context, Query, func(Milestone) error) error, fn func(Milestone) error) error {
	if err := s.check(&req, false); err != nil {
		return err
	}
	req.PageSize = domain.MaxPageSize
	req.Cursor = ""
	if !req.AsOf.IsZero() {
		req.PageSize, req.Cursor = 1<<30, ""
		page, err := s.listAsOf(ctx, req)
		if err != nil {
			return err
		}
		for _, m := range page.Items {
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	}
	ev := s.evidenceCache()
	seen := req.when().seen(s.now())
	return read(ctx, Query{Filter: req.Filter, Sort: req.Sort}, func(m Milestone) error {
		m, err := ev.derive(ctx, s, m, seen)
		if err != nil {
			return err
		}
		if !req.matches(m) {
			return nil
		}
		return fn(m)
	})
}

func (s *Service) check(req *ListRequest, paged bool) error {
	var p domain.Problems
	if paged {
		req.PageSize = domain.PageSize(req.PageSize, &p)
	} else if req.PageSize <= 0 {
		req.PageSize = domain.DefaultPageSize
	}
	if req.Status != "" && !slices.Contains(statuses, req.Status) {
		p.Add("status", "must be one of "+domain.OneOf(statuses))
	}
	if req.Completion != "" && !slices.Contains(completions, req.Completion) {
		p.Add("completion", "must be one of "+domain.OneOf(completions))
	}
	if req.Sort == "" {
		req.Sort = "code"
	}
	if !slices.Contains(sorts, req.Sort) {
		p.Add("sort", "must be one of "+domain.OneOf(sorts))
	}
	req.when().check(s.now(), &p)
	req.Filter.Commitment = strings.ToUpper(strings.TrimSpace(req.Filter.Commitment))
	req.Filter.Q = strings.TrimSpace(req.Filter.Q)
	return p.Err()
}

func (req ListRequest) matches(m Milestone) bool {
	return (req.Status == "" || m.Status == req.Status) &&
		(req.Completion == "" || m.Completion == req.Completion) &&
		(req.Overdue == nil || m.Overdue == *req.Overdue)
}

// listAsOf answers from the history. A past day's data no longer changes,
// so the page position is a plain offset into a stable list.
func (s *Service) listAsOf(ctx context.Context, req ListRequest) (domain.Page[Milestone], error) {
	seen := req.when().seen(s.now())
	all, err := s.store.MilestonesAsOf(ctx, seen.RecordedBy)
	if err != nil {
		return domain.Page[Milestone]{}, err
	}
	ev := s.evidenceCache()
	var selected []Milestone
	f := req.Filter
	q := strings.ToLower(f.Q)
	var inCycle map[string]bool
	if f.Cycle != 0 {
		cs, err := s.store.ListCommitments(ctx, CommitmentQuery{Filter: CommitmentFilter{Cycle: f.Cycle}, All: true})
		if err != nil {
			return domain.Page[Milestone]{}, err
		}
		inCycle = map[string]bool{}
		for _, c := range cs.Items {
			inCycle[c.Code] = true
		}
	}
	for _, m := range all {
		if (f.Commitment != "" && m.Commitment != f.Commitment) || (inCycle != nil && !inCycle[m.Commitment]) ||
			(!f.DueBefore.IsZero() && (m.PlannedEnd.IsZero() || !m.PlannedEnd.Before(f.DueBefore))) ||
			(!f.DueAfter.IsZero() && (m.PlannedEnd.IsZero() || !m.PlannedEnd.After(f.DueAfter))) ||
			(q != "" && !strings.Contains(strings.ToLower(m.Title+"\n"+m.VerifiableResult), q)) ||
			(!f.UpdatedSince.IsZero() && m.UpdatedAt.Before(f.UpdatedSince)) {
			continue
		}
		m, err := ev.derive(ctx, s, m, seen)
		if err != nil {
			return domain.Page[Milestone]{}, err
		}
		if req.matches(m) {
			selected = append(selected, m)
		}
	}
	sortMilestones(selected, req.Sort)
	offset := 0
	if req.Cursor != "" {
		if offset, err = asOfOffset(req, req.Cursor); err != nil || offset > len(selected) {
			return domain.Page[Milestone]{}, (domain.Problems{{Name: "cursor", Reason: "is not a cursor of this list"}}).Err()
		}
	}
	end := min(len(selected), offset+req.PageSize)
	page := domain.Page[Milestone]{Items: selected[offset:end]}
	if end < len(selected) {
		page.Next = asOfCursor(req, end)
	}
	return page, nil
}

// asOfCursor is an opaque position in a past day's list, tied to the
// request's filters and sort like every cursor of the API.
func asOfCursor(req ListRequest, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s|%d", asOfFingerprint(req), offset)))
}

func asOfOffset(req ListRequest, cursor string) (int, error) {
	bad := errForeignCursor()
	data, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, bad
	}
	fp, n, ok := strings.Cut(string(data), "|")
	offset, err := strconv.Atoi(n)
	if !ok || err != nil || offset < 0 || fp != asOfFingerprint(req) {
		return 0, bad
	}
	return offset, nil
}

func asOfFingerprint(req ListRequest) string {
	overdue := "any"
	if req.Overdue != nil {
		overdue = strconv.FormatBool(*req.Overdue)
	}
	key := fmt.Sprintf("%#v|%s|%s|%s|%s|%s", req.Filter, req.Status, req.Completion, overdue, req.Sort, req.AsOf.Format(time.DateOnly))
	if !req.EvidenceOn.IsZero() { // appended only when set: cursors handed out before it existed stay valid
		key += "|evidenceOn=" + dateText(req.EvidenceOn)
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func sortMilestones(ms []Milestone, by string) {
	end := func(m Milestone) time.Time {
		if m.PlannedEnd.IsZero() {
			return domain.OpenEnd
		}
		return m.PlannedEnd
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		switch by {
		case "plannedEnd", "-plannedEnd":
			if !end(a).Equal(end(b)) {
				return end(a).Before(end(b)) == (by == "plannedEnd")
			}
			return (a.ID < b.ID) == (by == "plannedEnd")
		default:
			if a.Commitment != b.Commitment {
				return a.Commitment < b.Commitment
			}
			if ka, kb := CodeKey(a.Code), CodeKey(b.Code); ka != kb {
				return ka < kb
			}
			return a.ID < b.ID
		}
	})
}

// CodeKey makes milestone codes sort as numbers: 3.9 before 3.10.
func CodeKey(code string) string {
	var b strings.Builder
	for i, part := range strings.Split(code, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprintf(&b, "%06s", part)
	}
	return b.String()
}

// Get returns one milestone as the record stands now or stood at the end of
// the day w.AsOf, by the evidence dated up to w.EvidenceOn. Public.
func (s *Service) Get(ctx context.Context, id string, w When) (Milestone, error) {
	var p domain.Problems
	if w.check(s.now(), &p); p.Err() != nil {
		return Milestone{}, p.Err()
	}
	seen := w.seen(s.now())
	var m Milestone
	var err error
	if w.AsOf.IsZero() {
		m, err = s.store.GetMilestone(ctx, id)
	} else {
		m, err = s.store.MilestoneAsOf(ctx, id, seen.RecordedBy)
	}
	if err != nil {
		return Milestone{}, err
	}
	return s.evidenceCache().derive(ctx, s, m, seen)
}
