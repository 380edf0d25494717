package milestone

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// CommitmentFilter narrows the list of commitments.
type CommitmentFilter struct {
	Cycle        int
	PolicyArea   string
	Q            string
	UpdatedSince time.Time // only items updated at or after it; zero: any
	// From the IRM's assessment; zero: any.
	PotentialImpact PotentialImpact
	OGPValue        OGPValue
	Starred         *bool
}

// CommitmentQuery is one page of commitments, or all of them.
type CommitmentQuery struct {
	Filter   CommitmentFilter
	PageSize int
	Cursor   string
	All      bool // every commitment on one page; PageSize and Cursor are ignored
}

var commitmentStatuses = []string{"active", "completed", "discontinued"}

var commitmentCode = regexp.MustCompile(`^NL[0-9]{4}$`)

// ListCommitments returns commitments in code order. Public.
func (s *Service) ListCommitments(ctx context.Context, f CommitmentFilter, pageSize int, cursor string) (domain.Page[Commitment], error) {
	var p domain.Problems
	if f.PotentialImpact != "" && !slices.Contains(impacts, f.PotentialImpact) {
		p.Add("potentialImpact", "must be one of "+domain.OneOf(impacts))
	}
	if f.OGPValue != "" && !slices.Contains(ogpValues, f.OGPValue) {
		p.Add("ogpValue", "must be one of "+domain.OneOf(ogpValues))
	}
	if pageSize = domain.PageSize(pageSize, &p); p.Err() != nil {
		return domain.Page[Commitment]{}, p.Err()
	}
	f.Q, f.PolicyArea = strings.TrimSpace(f.Q), strings.TrimSpace(f.PolicyArea)
	return s.store.ListCommitments(ctx, CommitmentQuery{Filter: f, PageSize: pageSize, Cursor: cursor})
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
	Details     DetailsInput
}

// AsInput is c as input that sets every field, for a merge patch.
func (c Commitment) AsInput() CommitmentInput {
	in := CommitmentInput{Code: c.Code, Title: c.Title, Cycle: c.Cycle, ActionPlan: c.ActionPlan,
		PolicyAreas: slices.Clone(c.PolicyAreas), Status: c.Status, Details: c.AllDetails()}
	ref := func(i Institution) InstitutionInput {
		out := InstitutionInput{Name: i.Name}
		if i.Organisation != nil {
			out.Organisation = i.Organisation.ID
		}
		return out
	}
	if c.Lead != nil {
		lead := ref(*c.Lead)
		in.Lead = &lead
	}
	for _, i := range c.Support {
		in.Support = append(in.Support, ref(i))
	}
	return in
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
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateCommitment(ctx, c, domain.Change{Resource: "commitment", ResourceID: c.Code, Action: domain.ActionCreate,
			Actor: actor.Subject, Fields: []string{"code", "title", "cycle"}, Version: 1, At: now}); err != nil {
			return err
		}
		return s.touchRelated(ctx, relatedCodes(c.Related), now)
	})
	if err != nil {
		return Commitment{}, err
	}
	return c, nil
}

// ReplaceCommitment sets every field but the code; details in.Details
// leaves nil keep their value. Editors and admins.
func (s *Service) ReplaceCommitment(ctx context.Context, code string, in CommitmentInput, pre domain.Precondition) (Commitment, error) {
	if _, err := requireEditor(ctx, "change commitments"); err != nil {
		return Commitment{}, err
	}
	return s.replaceCommitment(ctx, code, in, pre)
}

// UpdateCommitment changes the commitment with change, which gets the
// current input and runs before the write's transaction opens (a merge
// patch). Editors and admins.
func (s *Service) UpdateCommitment(ctx context.Context, code string, change func(CommitmentInput) (CommitmentInput, error), pre domain.Precondition) (Commitment, error) {
	if _, err := requireEditor(ctx, "change commitments"); err != nil {
		return Commitment{}, err
	}
	return domain.Patch(ctx, pre, func(ctx context.Context) (Commitment, error) { return s.GetCommitment(ctx, code) }, nil,
		func(cur Commitment) (CommitmentInput, error) { return change(cur.AsInput()) },
		s.replaceCommitment)
}

// replaceCommitment writes in over the commitment; the caller checked the
// role. The commitments it links or unlinks get a new version with it.
func (s *Service) replaceCommitment(ctx context.Context, code string, in CommitmentInput, pre domain.Precondition) (Commitment, error) {
	var before []CommitmentRef
	return domain.Update(ctx, s.store, s.now, pre, domain.Edit[Commitment]{
		Resource: "commitment",
		Load:     func(ctx context.Context) (Commitment, error) { return s.GetCommitment(ctx, code) },
		Change: func(ctx context.Context, cur Commitment) (Commitment, error) {
			if strings.ToUpper(strings.TrimSpace(in.Code)) != cur.Code {
				return Commitment{}, (domain.Problems{{Name: "code", Reason: "cannot change; it is " + cur.Code}}).Err()
			}
			before = cur.Related
			return s.buildCommitment(ctx, cur, in)
		},
		Diff: commitmentChanges,
		Save: func(ctx context.Context, next Commitment, ch domain.Change) error {
			if err := s.store.UpdateCommitment(ctx, next, ch); err != nil {
				return err
			}
			return s.touchRelated(ctx, relinked(before, next.Related), ch.At)
		},
	})
}

// GetCommitmentAsOf returns the commitment as the record stood at the end
// of day (Amsterdam time); a zero day is now. Public.
func (s *Service) GetCommitmentAsOf(ctx context.Context, code string, day time.Time) (Commitment, error) {
	if day.IsZero() {
		return s.GetCommitment(ctx, code)
	}
	if day.After(domain.Today(s.now())) {
		return Commitment{}, (domain.Problems{{Name: "asOf", Reason: "must not be in the future"}}).Err()
	}
	return s.store.CommitmentAsOf(ctx, strings.ToUpper(strings.TrimSpace(code)), domain.EndOfDay(day))
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
	detailChanges(a.Details, b.Details, &f)
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
	if in.Status != "" && !slices.Contains(commitmentStatuses, in.Status) {
		p.Add("status", "must be one of "+domain.OneOf(commitmentStatuses))
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
	if err := s.buildDetails(ctx, &c, in.Details, &p); err != nil {
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
