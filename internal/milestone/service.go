package milestone

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Filter is what the store filters on; status, completion and overdue
// follow from evidence and are filtered by the service.
type Filter struct {
	Commitment string
	Cycle      int
	DueBefore  time.Time
	DueAfter   time.Time
	Q          string
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
	AsOf       time.Time // a date; zero for now
	PageSize   int
	Cursor     string
}

// CommitmentFilter narrows the list of commitments.
type CommitmentFilter struct {
	Cycle      int
	PolicyArea string
	Q          string
}

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	ListCommitments(ctx context.Context, f CommitmentFilter, pageSize int, cursor string) (domain.Page[Commitment], error)
	GetCommitment(ctx context.Context, code string) (Commitment, error)
	CreateCommitment(ctx context.Context, c Commitment, ch domain.Change) error
	UpdateCommitment(ctx context.Context, c Commitment, ch domain.Change) error
	ListMilestones(ctx context.Context, q Query) (domain.Page[Milestone], error)
	// MilestonesAsOf returns every milestone as it stood at the instant.
	MilestonesAsOf(ctx context.Context, at time.Time) ([]Milestone, error)
	GetMilestone(ctx context.Context, id string) (Milestone, error)
	MilestoneAsOf(ctx context.Context, id string, at time.Time) (Milestone, error)
	// Create, Update and Delete also keep the version in the history.
	CreateMilestone(ctx context.Context, m Milestone, ch domain.Change) error
	UpdateMilestone(ctx context.Context, m Milestone, ch domain.Change) error
	DeleteMilestone(ctx context.Context, m Milestone, ch domain.Change) error
	ListUpdates(ctx context.Context, milestoneID string) ([]Update, error)
	CreateUpdate(ctx context.Context, u Update, ch domain.Change) error
}

// EvidenceSource finds the records that count under each rule, as they were
// known at the instant asOf.
type EvidenceSource interface {
	HeldMeetingsWithReport(ctx context.Context, from, to, asOf time.Time) ([]EvidenceItem, error)
	MagazineEditions(ctx context.Context, from, to, asOf time.Time) ([]EvidenceItem, error)
	ClosedEvaluations(ctx context.Context, milestoneID string, asOf time.Time) ([]EvidenceItem, error)
}

type organisations interface {
	Get(ctx context.Context, ref string) (organisation.Organisation, error)
}

// Service applies the rules for commitments and milestones.
type Service struct {
	store    Store
	evidence EvidenceSource
	orgs     organisations
	now      domain.Clock
}

// NewService returns a milestone service.
func NewService(store Store, evidence EvidenceSource, orgs organisations, now domain.Clock) *Service {
	return &Service{store: store, evidence: evidence, orgs: orgs, now: now}
}

func requireEditor(ctx context.Context, action string) (domain.Actor, error) {
	a := domain.ActorFrom(ctx)
	return a, a.Require(action, domain.RoleAdmin, domain.RoleEditor)
}

var commitmentCode = regexp.MustCompile(`^NL[0-9]{4}$`)

// ListCommitments returns commitments in code order. Public.
func (s *Service) ListCommitments(ctx context.Context, f CommitmentFilter, pageSize int, cursor string) (domain.Page[Commitment], error) {
	var p domain.Problems
	if pageSize = domain.PageSize(pageSize, &p); p.Err() != nil {
		return domain.Page[Commitment]{}, p.Err()
	}
	f.Q, f.PolicyArea = strings.TrimSpace(f.Q), strings.TrimSpace(f.PolicyArea)
	return s.store.ListCommitments(ctx, f, pageSize, cursor)
}

// GetCommitment returns one commitment. Public.
func (s *Service) GetCommitment(ctx context.Context, code string) (Commitment, error) {
	return s.store.GetCommitment(ctx, strings.ToUpper(strings.TrimSpace(code)))
}

// CommitmentInput is what a caller may set; institutions' organisations by id or code.
type CommitmentInput struct {
	Code        string
	Title       string
	Cycle       int
	ActionPlan  string
	PolicyAreas []string
	Lead        *InstitutionInput
	Support     []InstitutionInput
	Status      string
}

// InstitutionInput names an institution and, when in the network, its organisation.
type InstitutionInput struct {
	Name         string
	Organisation string
}

// CreateCommitment adds a commitment. Editors and admins.
func (s *Service) CreateCommitment(ctx context.Context, in CommitmentInput) (Commitment, error) {
	actor, err := requireEditor(ctx, "add commitments")
	if err != nil {
		return Commitment{}, err
	}
	now := domain.Timestamp(s.now)
	c, err := s.buildCommitment(ctx, Commitment{Version: 1, CreatedAt: now, UpdatedAt: now}, in)
	if err != nil {
		return Commitment{}, err
	}
	err = s.store.CreateCommitment(ctx, c, domain.Change{Resource: "commitment", ResourceID: c.Code, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"code", "title", "cycle"}, Version: 1, At: now})
	return c, err
}

// ReplaceCommitment sets every field but the code. Editors and admins.
func (s *Service) ReplaceCommitment(ctx context.Context, code string, in CommitmentInput, pre domain.Precondition) (Commitment, error) {
	if _, err := requireEditor(ctx, "change commitments"); err != nil {
		return Commitment{}, err
	}
	return domain.Update(ctx, s.store, s.now, pre, domain.Edit[Commitment]{
		Resource: "commitment",
		Load:     func(ctx context.Context) (Commitment, error) { return s.GetCommitment(ctx, code) },
		Change: func(ctx context.Context, cur Commitment) (Commitment, error) {
			if strings.ToUpper(strings.TrimSpace(in.Code)) != cur.Code {
				return Commitment{}, (domain.Problems{{Name: "code", Reason: "cannot change; it is " + cur.Code}}).Err()
			}
			return s.buildCommitment(ctx, cur, in)
		},
		Diff: commitmentChanges,
		Save: s.store.UpdateCommitment,
	})
}

// commitmentChanges names the fields that differ; none keeps the version.
func commitmentChanges(a, b Commitment) domain.Diff {
	var f domain.Diff
	inst := func(i *Institution) string {
		if i == nil {
			return ""
		}
		id := ""
		if i.Organisation != nil {
			id = i.Organisation.ID
		}
		return i.Name + "|" + id
	}
	insts := func(l []Institution) []string {
		out := make([]string, len(l))
		for k := range l {
			out[k] = inst(&l[k])
		}
		return out
	}
	f.Add(a.Title != b.Title, "title")
	f.Add(a.Cycle != b.Cycle, "cycle")
	f.Add(a.ActionPlan != b.ActionPlan, "actionPlan")
	f.Add(!slices.Equal(a.PolicyAreas, b.PolicyAreas), "policyAreas")
	f.Add(inst(a.Lead) != inst(b.Lead), "leadInstitution")
	f.Add(!slices.Equal(insts(a.Support), insts(b.Support)), "supportInstitutions")
	f.Add(a.Status != b.Status, "status")
	return f
}

func (s *Service) buildCommitment(ctx context.Context, c Commitment, in CommitmentInput) (Commitment, error) {
	var p domain.Problems
	code := strings.ToUpper(strings.TrimSpace(in.Code))
	if !commitmentCode.MatchString(code) {
		p.Add("code", "must be NL followed by four digits, such as NL0037")
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		p.Add("title", "must not be empty")
	}
	if in.Cycle < 2000 || in.Cycle > 2100 {
		p.Add("cycle", "must be the year the action plan cycle started, such as 2018")
	}
	if in.Status != "" && !slices.Contains([]string{"active", "completed", "discontinued"}, in.Status) {
		p.Add("status", "must be active, completed or discontinued")
	}
	c.Code, c.Title, c.Cycle, c.ActionPlan, c.Status = code, title, in.Cycle, strings.TrimSpace(in.ActionPlan), in.Status
	c.PolicyAreas = nil
	for _, a := range in.PolicyAreas {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(c.PolicyAreas, a) {
			c.PolicyAreas = append(c.PolicyAreas, a)
		}
	}
	orgs := organisation.NewResolver(ctx, s.orgs, &p)
	c.Lead = nil
	if in.Lead != nil {
		inst := institution(*in.Lead, "leadInstitution", orgs, &p)
		c.Lead = &inst
	}
	c.Support = nil
	for i, in := range in.Support {
		c.Support = append(c.Support, institution(in, fmt.Sprintf("supportInstitutions[%d]", i), orgs, &p))
	}
	if err := orgs.Err(); err != nil {
		return Commitment{}, err
	}
	return c, p.Err()
}

// institution names an institution and resolves its organisation.
func institution(in InstitutionInput, field string, orgs *organisation.Resolver, p *domain.Problems) Institution {
	inst := Institution{Name: strings.TrimSpace(in.Name)}
	if inst.Name == "" {
		p.Add(field+".name", "must not be empty")
	}
	if in.Organisation != "" {
		if o, ok := orgs.Resolve(in.Organisation, field+".organisation"); ok {
			inst.Organisation = &o
		}
	}
	return inst
}

const batch = 500

// List returns one page of milestones, as they stand now or at the end of
// the day AsOf. Public.
func (s *Service) List(ctx context.Context, req ListRequest) (domain.Page[Milestone], error) {
	if err := s.check(&req, true); err != nil {
		return domain.Page[Milestone]{}, err
	}
	if !req.AsOf.IsZero() {
		return s.listAsOf(ctx, req)
	}
	var page domain.Page[Milestone]
	cursor := req.Cursor
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
			m, err := ev.derive(ctx, s, m, s.now())
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
	page.Next = cursor
	return page, nil
}

// Each calls fn for every milestone the request selects, in order, reading
// the store in batches so that memory stays constant however many there are.
func (s *Service) Each(ctx context.Context, req ListRequest, fn func(Milestone) error) error {
	if err := s.check(&req, false); err != nil {
		return err
	}
	req.PageSize = batch
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
	cursor := ""
	for {
		sp, err := s.store.ListMilestones(ctx, Query{Filter: req.Filter, Sort: req.Sort, PageSize: batch, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, m := range sp.Items {
			m, err := ev.derive(ctx, s, m, s.now())
			if err != nil {
				return err
			}
			if req.matches(m) {
				if err := fn(m); err != nil {
					return err
				}
			}
		}
		if cursor = sp.Next; cursor == "" {
			return nil
		}
	}
}

func (s *Service) check(req *ListRequest, paged bool) error {
	var p domain.Problems
	if paged {
		req.PageSize = domain.PageSize(req.PageSize, &p)
	} else if req.PageSize <= 0 {
		req.PageSize = domain.DefaultPageSize
	}
	if req.Status != "" && !slices.Contains(statuses, req.Status) {
		p.Add("status", "must be one of not-started, in-progress, completed, delayed, cancelled")
	}
	if req.Completion != "" && !slices.Contains(completions, req.Completion) {
		p.Add("completion", "must be one of no-evidence, not-started, limited, substantial, complete")
	}
	if req.Sort == "" {
		req.Sort = "code"
	}
	if !slices.Contains([]string{"code", "plannedEnd", "-plannedEnd"}, req.Sort) {
		p.Add("sort", "must be code, plannedEnd or -plannedEnd")
	}
	if !req.AsOf.IsZero() && req.AsOf.After(domain.Today(s.now())) {
		p.Add("asOf", "must not be in the future")
	}
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
	at := domain.EndOfDay(req.AsOf)
	all, err := s.store.MilestonesAsOf(ctx, at)
	if err != nil {
		return domain.Page[Milestone]{}, err
	}
	ev := s.evidenceCache()
	var selected []Milestone
	f := req.Filter
	q := strings.ToLower(f.Q)
	var inCycle map[string]bool
	if f.Cycle != 0 {
		cs, err := s.store.ListCommitments(ctx, CommitmentFilter{Cycle: f.Cycle}, 0, "")
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
			(q != "" && !strings.Contains(strings.ToLower(m.Title+"\n"+m.VerifiableResult), q)) {
			continue
		}
		m, err := ev.derive(ctx, s, m, at)
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
	bad := (domain.Problems{{Name: "cursor", Reason: "is not a cursor from this list with these filters and sort; start again without it"}}).Err()
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
	sum := sha256.Sum256([]byte(fmt.Sprintf("%#v|%s|%s|%s|%s|%s", req.Filter, req.Status, req.Completion, overdue, req.Sort, req.AsOf.Format(time.DateOnly))))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func sortMilestones(ms []Milestone, by string) {
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	end := func(m Milestone) time.Time {
		if m.PlannedEnd.IsZero() {
			return far
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

// Get returns one milestone, now or as it stood at the end of the day asOf.
func (s *Service) Get(ctx context.Context, id string, asOf time.Time) (Milestone, error) {
	if !asOf.IsZero() && asOf.After(domain.Today(s.now())) {
		return Milestone{}, (domain.Problems{{Name: "asOf", Reason: "must not be in the future"}}).Err()
	}
	at := s.now()
	var m Milestone
	var err error
	if asOf.IsZero() {
		m, err = s.store.GetMilestone(ctx, id)
	} else {
		at = domain.EndOfDay(asOf)
		m, err = s.store.MilestoneAsOf(ctx, id, at)
	}
	if err != nil {
		return Milestone{}, err
	}
	return s.evidenceCache().derive(ctx, s, m, at)
}

// evidenceCache computes each rule's evidence once per request.
type evidenceCache map[string]*Evidence

func (s *Service) evidenceCache() evidenceCache { return evidenceCache{} }

func (c evidenceCache) derive(ctx context.Context, s *Service, m Milestone, at time.Time) (Milestone, error) {
	today := domain.Today(at)
	if m.Rule == RuleNone || m.Target == nil {
		return derive(m, nil, today), nil
	}
	// Milestones with the same rule and window share their evidence; a
	// closed evaluation is linked to one milestone.
	key := fmt.Sprintf("%s|%s|%s|%s", m.Rule, m.PlannedStart, m.PlannedEnd, at)
	if m.Rule == RuleClosedEvaluations {
		key += "|" + m.ID
	}
	ev, ok := c[key]
	if !ok {
		from, to := m.PlannedStart, m.PlannedEnd
		if to.IsZero() {
			to = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		}
		var items []EvidenceItem
		var err error
		switch m.Rule {
		case RuleHeldMeetings:
			items, err = s.evidence.HeldMeetingsWithReport(ctx, from, to, at)
		case RuleMagazineEditions:
			items, err = s.evidence.MagazineEditions(ctx, from, to, at)
		case RuleClosedEvaluations:
			items, err = s.evidence.ClosedEvaluations(ctx, m.ID, at)
		}
		if err != nil {
			return Milestone{}, err
		}
		ev = &Evidence{Rule: m.Rule, Items: items}
		c[key] = ev
	}
	return derive(m, ev, today), nil
}

// Input is what a caller may set on a milestone.
type Input struct {
	Commitment       string
	Code             string
	Title            string
	VerifiableResult string
	PlannedStart     time.Time
	PlannedEnd       time.Time
	ActualStart      time.Time
	ActualEnd        time.Time
	Target           *Target
	Rule             Rule
	Progress         int
	Status           Status
	Completion       Completion
}

// AsInput turns a milestone back into input, for a merge patch.
func (m Milestone) AsInput() Input {
	return Input{Commitment: m.Commitment, Code: m.Code, Title: m.Title, VerifiableResult: m.VerifiableResult,
		PlannedStart: m.PlannedStart, PlannedEnd: m.PlannedEnd, ActualStart: m.ActualStart, ActualEnd: m.ActualEnd,
		Target: m.Target, Rule: m.Rule, Progress: m.Progress, Status: m.Status, Completion: m.Completion}
}

// Create adds a milestone. Editors and admins.
func (s *Service) Create(ctx context.Context, in Input) (Milestone, error) {
	actor, err := requireEditor(ctx, "add milestones")
	if err != nil {
		return Milestone{}, err
	}
	now := domain.Timestamp(s.now)
	m, err := s.build(ctx, Milestone{ID: uuid.Must(uuid.NewV7()).String(), Version: 1, CreatedAt: now, UpdatedAt: now}, in)
	if err != nil {
		return Milestone{}, err
	}
	if err := s.store.CreateMilestone(ctx, m, domain.Change{Resource: "milestone", ResourceID: m.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"commitment", "code", "title"}, Version: 1, At: now}); err != nil {
		return Milestone{}, err
	}
	return s.evidenceCache().derive(ctx, s, m, s.now())
}

// Replace sets every field. Editors and admins.
func (s *Service) Replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Milestone, error) {
	return s.Update(ctx, id, func(Input) (Input, error) { return in, nil }, pre)
}

// Update changes the milestone with change, which gets the current input. Editors and admins.
func (s *Service) Update(ctx context.Context, id string, change func(Input) (Input, error), pre domain.Precondition) (Milestone, error) {
	if _, err := requireEditor(ctx, "change milestones"); err != nil {
		return Milestone{}, err
	}
	out, err := domain.Update(ctx, s.store, s.now, pre, domain.Edit[Milestone]{
		Resource: "milestone",
		Load:     func(ctx context.Context) (Milestone, error) { return s.store.GetMilestone(ctx, id) },
		Change: func(ctx context.Context, cur Milestone) (Milestone, error) {
			in, err := change(cur.AsInput())
			if err != nil {
				return Milestone{}, err
			}
			return s.build(ctx, cur, in)
		},
		Diff: changedFields,
		Save: s.store.UpdateMilestone,
	})
	if err != nil {
		return Milestone{}, err
	}
	return s.evidenceCache().derive(ctx, s, out, s.now())
}

// Delete removes a milestone; its history stays for asOf. Editors and admins.
func (s *Service) Delete(ctx context.Context, id string, pre domain.Precondition) error {
	if _, err := requireEditor(ctx, "delete milestones"); err != nil {
		return err
	}
	return domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Milestone]{
		Resource: "milestone",
		Load:     func(ctx context.Context) (Milestone, error) { return s.store.GetMilestone(ctx, id) },
		Remove:   s.store.DeleteMilestone,
	})
}

var milestoneCode = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

func (s *Service) build(ctx context.Context, m Milestone, in Input) (Milestone, error) {
	var p domain.Problems
	in.Commitment = strings.ToUpper(strings.TrimSpace(in.Commitment))
	if _, err := s.store.GetCommitment(ctx, in.Commitment); err != nil {
		if domain.ErrorCode(err) != domain.CodeNotFound {
			return Milestone{}, err
		}
		p.Add("commitment", fmt.Sprintf("no commitment %q", in.Commitment))
	}
	if !milestoneCode.MatchString(strings.TrimSpace(in.Code)) {
		p.Add("code", "must be numbers separated by dots, such as 3.3")
	}
	if strings.TrimSpace(in.Title) == "" {
		p.Add("title", "must not be empty")
	}
	if !in.PlannedStart.IsZero() && !in.PlannedEnd.IsZero() && in.PlannedEnd.Before(in.PlannedStart) {
		p.Add("plannedEnd", "must not be before plannedStart")
	}
	if !in.ActualStart.IsZero() && !in.ActualEnd.IsZero() && in.ActualEnd.Before(in.ActualStart) {
		p.Add("actualEnd", "must not be before actualStart")
	}
	if in.Rule == "" {
		in.Rule = RuleNone
	}
	if !slices.Contains(rules, in.Rule) {
		p.Add("evidenceRule", "must be one of none, held-meetings-with-report, magazine-editions, closed-evaluation")
	}
	if in.Rule != RuleNone && in.Target == nil {
		p.Add("target", "an evidence rule needs a target to count toward")
	}
	if in.Target != nil && (in.Target.Count < 1 || strings.TrimSpace(in.Target.Unit) == "") {
		p.Add("target", "needs a count of at least 1 and a unit")
	}
	if in.Progress < 0 || in.Progress > 100 {
		p.Add("progress", "must be from 0 to 100")
	}
	if in.Status == "" {
		in.Status = NotStarted
	}
	if !slices.Contains(statuses, in.Status) {
		p.Add("status", "must be one of not-started, in-progress, completed, delayed, cancelled")
	}
	if in.Completion == "" {
		in.Completion = NoEvidence
	}
	if !slices.Contains(completions, in.Completion) {
		p.Add("completion", "must be one of no-evidence, not-started, limited, substantial, complete")
	}
	if err := p.Err(); err != nil {
		return Milestone{}, err
	}
	m.Commitment, m.Code, m.Title = in.Commitment, strings.TrimSpace(in.Code), strings.TrimSpace(in.Title)
	m.VerifiableResult = strings.TrimSpace(in.VerifiableResult)
	m.PlannedStart, m.PlannedEnd = domain.Day(in.PlannedStart), domain.Day(in.PlannedEnd)
	m.ActualStart, m.ActualEnd = domain.Day(in.ActualStart), domain.Day(in.ActualEnd)
	m.Target, m.Rule, m.Progress, m.Status, m.Completion = in.Target, in.Rule, in.Progress, in.Status, in.Completion
	if m.Target != nil {
		t := *m.Target
		t.Unit = strings.TrimSpace(t.Unit)
		m.Target = &t
	}
	return m, nil
}

func changedFields(a, b Milestone) domain.Diff {
	var f domain.Diff
	f.Add(a.Commitment != b.Commitment, "commitment")
	f.Add(a.Code != b.Code, "code")
	f.Add(a.Title != b.Title, "title")
	f.Add(a.VerifiableResult != b.VerifiableResult, "verifiableResult")
	f.Add(!a.PlannedStart.Equal(b.PlannedStart), "plannedStart")
	f.Add(!a.PlannedEnd.Equal(b.PlannedEnd), "plannedEnd")
	f.Add(!a.ActualStart.Equal(b.ActualStart), "actualStart")
	f.Add(!a.ActualEnd.Equal(b.ActualEnd), "actualEnd")
	f.Add(fmt.Sprint(a.Target) != fmt.Sprint(b.Target) && !(a.Target != nil && b.Target != nil && *a.Target == *b.Target), "target")
	f.Add(a.Rule != b.Rule, "evidenceRule")
	f.Add(a.Progress != b.Progress, "progress")
	f.Add(a.Status != b.Status, "status")
	f.Add(a.Completion != b.Completion, "completion")
	return f
}

// UpdateInput is a progress update as sent.
type UpdateInput struct {
	Date        time.Time
	Note        string
	EvidenceURL string
	Author      string
}

// AddUpdate records a dated progress update. Editors and admins.
func (s *Service) AddUpdate(ctx context.Context, milestoneID string, in UpdateInput) (Update, error) {
	actor, err := requireEditor(ctx, "report progress")
	if err != nil {
		return Update{}, err
	}
	if _, err := s.store.GetMilestone(ctx, milestoneID); err != nil {
		return Update{}, err
	}
	var p domain.Problems
	u := Update{ID: uuid.Must(uuid.NewV7()).String(), MilestoneID: milestoneID, Date: domain.Day(in.Date),
		Note: strings.TrimSpace(in.Note), EvidenceURL: strings.TrimSpace(in.EvidenceURL), Author: strings.TrimSpace(in.Author),
		RecordedAt: domain.Timestamp(s.now)}
	if u.Date.IsZero() {
		p.Add("date", "is required")
	} else if u.Date.After(domain.Today(s.now())) {
		p.Add("date", "must not be in the future")
	}
	if u.Note == "" {
		p.Add("note", "must not be empty")
	}
	if u.EvidenceURL != "" {
		if !domain.IsWebURL(u.EvidenceURL) {
			p.Add("evidenceUrl", "must be an absolute http or https URL")
		}
	}
	if err := p.Err(); err != nil {
		return Update{}, err
	}
	if u.Author == "" {
		u.Author = actor.Subject
	}
	err = s.store.CreateUpdate(ctx, u, domain.Change{Resource: "milestone-update", ResourceID: u.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"milestone", "date", "note", "evidenceUrl", "author"}, Version: 1, At: u.RecordedAt})
	return u, err
}

// Updates lists a milestone's progress updates, newest first. Public.
func (s *Service) Updates(ctx context.Context, milestoneID string) ([]Update, error) {
	if _, err := s.store.GetMilestone(ctx, milestoneID); err != nil {
		return nil, err
	}
	return s.store.ListUpdates(ctx, milestoneID)
}

// Summary is the state of a set of milestones.
type Summary struct {
	Commitment    string
	Cycle         int
	AsOf          time.Time
	Milestones    int
	ByStatus      map[Status]int
	ByCompletion  map[Completion]int
	ShareComplete float64
	Overdue       int
	NextDue       *Milestone
}

// CommitmentSummary summarises one commitment's milestones. Public.
func (s *Service) CommitmentSummary(ctx context.Context, code string, asOf time.Time) (Summary, error) {
	c, err := s.GetCommitment(ctx, code)
	if err != nil {
		return Summary{}, err
	}
	sum, err := s.summarise(ctx, ListRequest{Filter: Filter{Commitment: c.Code}, AsOf: asOf})
	sum.Commitment = c.Code
	return sum, err
}

// CycleSummary summarises the milestones of a whole action plan. Public.
func (s *Service) CycleSummary(ctx context.Context, cycle int, asOf time.Time) (Summary, error) {
	sum, err := s.summarise(ctx, ListRequest{Filter: Filter{Cycle: cycle}, AsOf: asOf})
	sum.Cycle = cycle
	return sum, err
}

func (s *Service) summarise(ctx context.Context, req ListRequest) (Summary, error) {
	sum := Summary{AsOf: req.AsOf, ByStatus: map[Status]int{}, ByCompletion: map[Completion]int{}}
	today := domain.Today(s.now())
	if !req.AsOf.IsZero() {
		today = req.AsOf
	}
	complete := 0
	err := s.Each(ctx, req, func(m Milestone) error {
		sum.Milestones++
		sum.ByStatus[m.Status]++
		sum.ByCompletion[m.Completion]++
		if m.Completion == Complete {
			complete++
		}
		if m.Overdue {
			sum.Overdue++
		}
		open := m.Status != Completed && m.Status != Cancelled
		if open && !m.PlannedEnd.IsZero() && !m.PlannedEnd.Before(today) && (sum.NextDue == nil || m.PlannedEnd.Before(sum.NextDue.PlannedEnd)) {
			next := m
			sum.NextDue = &next
		}
		return nil
	})
	if sum.Milestones > 0 {
		sum.ShareComplete = float64(complete) / float64(sum.Milestones)
	}
	return sum, err
}
