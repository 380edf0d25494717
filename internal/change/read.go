package change

import (
	"context"
	"slices"
	"strings"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// subResources are the resources whose changes show as an update of the
// resource they belong to, whose representation they change (a meeting's
// counts, a milestone's progress, an evaluation's responseCount), named by
// the field that stands for them.
var subResources = map[string]struct{ parent, field string }{
	"registration":        {Meeting, "registrations"},
	"submission":          {Meeting, "submissions"},
	"milestone-update":    {Milestone, "progressUpdates"},
	"evaluation-response": {Evaluation, "responses"},
}

// evidenceRules name the milestones whose progress a change of a resource
// may move (see milestone.EvidenceSource): they are derived from it.
var evidenceRules = map[string]milestone.Rule{
	Meeting:     milestone.RuleHeldMeetings,
	Publication: milestone.RuleMagazineEditions,
	Evaluation:  milestone.RuleClosedEvaluations,
}

// derivedFields name what an evidence change may move on a milestone, and a
// milestone's creation, deletion or move on its commitment.
var (
	progressFields = []string{"progress", "status", "completion"}
	countFields    = []string{"milestoneCount"}
)

// reportFields name what of a meeting its report's publication shows:
// the report itself, and the meeting's title and example flag.
var reportFields = map[string][]string{
	"report":  {"url", "publishedOn", "summary", "language", "licence"},
	"title":   {"title"},
	"example": {"example"},
}

// visibilityFields are the fields whose change can take a resource out of a
// caller's view (consent withdrawn, a membership ended, an evaluation
// unpublished).
var visibilityFields = []string{"consent", "memberships", "published"}

// candidate is an event before the caller's view of the resource is known:
// its Type is what the change did.
type candidate struct {
	Event
	mayHide bool // the change may have taken the resource out of a caller's view
}

type key struct{ resource, id string }

// expand turns stored changes into the feed's events: a top-level resource's
// own, its parent's for a sub-resource, and those of the resources that
// derive values from it (milestones from their evidence, commitments from
// their milestones). The lookups these need are one query each per page.
//
// Derived events are resolved here, when the feed is read, rather than
// recorded by the write: the evidence rules live in the milestone package
// and change with it, and a write need not know who derives from it.
func (s *Service) expand(ctx context.Context, records []Record) ([]candidate, error) {
	subIDs := map[string][]string{}
	var rules []milestone.Rule
	var moved []string // milestones created, deleted or moved between commitments
	var meetingIDs, renamed []string
	for _, r := range records {
		if renames(r.Change) {
			renamed = append(renamed, r.ResourceID)
		}
		if r.Resource == Meeting {
			meetingIDs = append(meetingIDs, r.ResourceID)
		}
		if sub, ok := subResources[r.Resource]; ok && sub.parent != Evaluation {
			subIDs[r.Resource] = append(subIDs[r.Resource], r.ResourceID)
		}
		if rule, ok := evidenceRules[r.Resource]; ok && !slices.Contains(rules, rule) {
			rules = append(rules, rule)
		}
		if r.Resource == Milestone && (r.Action != domain.ActionUpdate || slices.Contains(r.Fields, "commitment")) {
			moved = append(moved, r.ResourceID)
		}
	}
	parents := map[string]map[string]string{}
	for resource, ids := range subIDs {
		p, err := s.store.Parents(ctx, resource, ids)
		if err != nil {
			return nil, err
		}
		parents[resource] = p
	}
	var byRule map[milestone.Rule][]string
	if len(rules) > 0 {
		var err error
		if byRule, err = s.store.MilestonesByRule(ctx); err != nil {
			return nil, err
		}
	}
	var commitments map[string][]string
	if len(moved) > 0 {
		var err error
		if commitments, err = s.store.MilestoneCommitments(ctx, moved); err != nil {
			return nil, err
		}
	}

	reports, err := s.store.MeetingReports(ctx, meetingIDs)
	if err != nil {
		return nil, err
	}
	var dependents map[string][]Ref
	if len(renamed) > 0 {
		if dependents, err = s.store.OrganisationDependents(ctx, renamed); err != nil {
			return nil, err
		}
	}

	var out []candidate
	for _, r := range records {
		base := Event{Seq: r.Seq, ID: r.ID, At: r.At}
		derivedAt := map[string]int{} // one event per derived resource and change, its fields merged
		derived := func(resource, id string, fields []string) {
			eventID := r.ID + "/" + resource + "/" + id
			if i, ok := derivedAt[eventID]; ok {
				for _, f := range fields {
					if !slices.Contains(out[i].Fields, f) {
						out[i].Fields = append(out[i].Fields, f)
					}
				}
				return
			}
			e := base
			e.ID, e.Type, e.Resource, e.ResourceID, e.Fields = eventID, Updated, resource, id, slices.Clone(fields)
			derivedAt[eventID] = len(out)
			out = append(out, candidate{Event: e})
		}
		switch sub, isSub := subResources[r.Resource]; {
		case isSub:
			parent := parents[r.Resource][r.ResourceID]
			if sub.parent == Evaluation {
				parent, _, _ = strings.Cut(r.ResourceID, "/")
			}
			if parent == "" {
				continue // its parent is gone, with its own event
			}
			e := base
			e.Type, e.Resource, e.ResourceID, e.Fields = Updated, sub.parent, parent, []string{sub.field}
			out = append(out, candidate{Event: e})
		case slices.Contains(Resources, r.Resource):
			e := base
			e.Resource, e.ResourceID, e.Fields = r.Resource, r.ResourceID, slices.Clone(r.Fields)
			switch r.Action {
			case domain.ActionCreate:
				e.Type = Created
			case domain.ActionDelete:
				e.Type = Deleted
			default:
				e.Type = Updated
			}
			// A creation takes nothing out of anyone's view.
			hides := r.Action == domain.ActionDelete || r.Action == domain.ActionErase || (r.Action == domain.ActionUpdate &&
				slices.ContainsFunc(r.Fields, func(f string) bool { return slices.Contains(visibilityFields, f) }))
			out = append(out, candidate{Event: e, mayHide: hides})
		default:
			continue // users and API clients are not in the feed
		}
		if renames(r.Change) {
			for _, ref := range dependents[r.ResourceID] {
				derived(ref.Resource, ref.ID, ref.Fields)
			}
		}
		if pub, ok := reports[r.ResourceID]; ok && r.Resource == Meeting {
			if fields := reportChange(r.Change); len(fields) > 0 {
				derived(Publication, pub, fields)
			}
		}
		if r.Resource == Milestone {
			for _, code := range commitments[r.ResourceID] {
				derived(Commitment, code, countFields)
			}
		}
		if rule, ok := evidenceRules[r.Resource]; ok {
			for _, id := range byRule[rule] {
				derived(Milestone, id, progressFields)
			}
		}
	}
	return out, nil
}

// renames reports whether c changed what others show of an organisation.
func renames(c domain.Change) bool {
	return c.Resource == Organisation && slices.ContainsFunc(c.Fields, func(f string) bool { return f == "code" || f == "name" })
}

// reportChange names what a change of a meeting changed on its report's
// publication, if anything.
func reportChange(c domain.Change) []string {
	fields := c.Fields
	if c.Action == domain.ActionCreate {
		fields = []string{"report", "title", "example"}
	}
	var out []string
	for _, f := range fields {
		for _, g := range reportFields[f] {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// view is a resource as the caller may see it now.
type view struct {
	value   any
	gone    bool // erased
	deleted bool
	hidden  bool // exists, but not for this caller
}

// resolve reads every resource the candidates name once, as the caller in
// ctx may see it, and turns the candidates into the events the caller sees.
func (s *Service) resolve(ctx context.Context, candidates []candidate) ([]Event, error) {
	views := map[key]*view{}
	missing := map[string][]string{}
	for _, c := range candidates {
		k := key{c.Resource, c.ResourceID}
		if _, ok := views[k]; ok {
			continue
		}
		v := &view{}
		views[k] = v
		value, err := s.read(ctx, c.Resource, c.ResourceID)
		switch domain.ErrorCode(err) {
		case "":
			v.value = value
		case domain.CodeGone:
			v.gone = true
		case domain.CodeNotFound, domain.CodeForbidden:
			v.hidden = true
			missing[c.Resource] = append(missing[c.Resource], c.ResourceID)
		default:
			return nil, err
		}
	}
	for resource, ids := range missing {
		deleted, err := s.store.Deleted(ctx, resource, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if deleted[id] {
				v := views[key{resource, id}]
				v.hidden, v.deleted = false, true
			}
		}
	}
	out := make([]Event, 0, len(candidates))
	for _, c := range candidates {
		v := views[key{c.Resource, c.ResourceID}]
		e := c.Event
		switch {
		case v.value != nil:
			e.Value = v.value
			if e.Type == Deleted { // a code taken again after a delete
				e.Type = Updated
			}
		case v.deleted:
			e.Type = Deleted
		case v.gone:
			e.Type = Redacted
		case c.mayHide:
			// Hidden now: whoever saw it before learns that it left their view.
			e.Type = Redacted
		default:
			continue // the caller does not see this resource
		}
		out = append(out, e)
	}
	return out, nil
}

// read is the resource as GET /v1/<resource>/{id} gives it to the caller in ctx.
func (s *Service) read(ctx context.Context, resource, id string) (any, error) {
	switch resource {
	case Organisation:
		return s.r.Organisations.Get(ctx, id)
	case Person:
		p, _, err := s.r.People.Get(ctx, id)
		return p, err
	case Meeting:
		return s.r.Meetings.Get(ctx, id)
	case Publication:
		return s.r.Publications.Get(ctx, id)
	case Commitment:
		return s.r.Milestones.GetCommitment(ctx, id)
	case Milestone:
		return s.r.Milestones.Get(ctx, id, milestone.When{})
	case Evaluation:
		return s.r.Evaluations.Get(ctx, id)
	}
	return nil, domain.Errorf(domain.CodeNotFound, "no %s in the feed", resource)
}
