// Package seed loads the action plan's record, embedded in the binary, and on
// request example data for demonstrations. Loading twice changes nothing.
package seed

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
)

//go:embed data/*.json
var files embed.FS

// file is the shape of a seed data file.
type file struct {
	Source        string             `json:"source"`
	Organisations []organisationData `json:"organisations"`
	Meetings      []meetingData      `json:"meetings"`
	Publications  []publicationData  `json:"publications"`
	Commitments   []commitmentData   `json:"commitments"`
	Milestones    []milestoneData    `json:"milestones"`
	Evaluations   []evaluationData   `json:"evaluations"`
}

type evaluationData struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Milestone   *struct {
		Commitment string `json:"commitment"`
		Code       string `json:"code"`
	} `json:"milestone"`
	OpensAt      time.Time      `json:"opensAt"`
	ClosesAt     time.Time      `json:"closesAt"`
	Published    bool           `json:"published"`
	MinGroupSize int            `json:"minGroupSize"`
	Questions    []questionData `json:"questions"`
	Responses    []struct {
		Organisation string             `json:"organisation"`
		Answers      evaluation.Answers `json:"answers"`
	} `json:"responses"`
}

type questionData struct {
	Key           string            `json:"key"`
	Type          string            `json:"type"`
	Text          string            `json:"text"`
	Required      bool              `json:"required"`
	Min           *float64          `json:"min"`
	Max           *float64          `json:"max"`
	Labels        map[string]string `json:"labels"`
	Options       []string          `json:"options"`
	MinSelections int               `json:"minSelections"`
	MaxSelections int               `json:"maxSelections"`
	MaxLength     int               `json:"maxLength"`
}

type commitmentData struct {
	Code        string            `json:"code"`
	Title       string            `json:"title"`
	Cycle       int               `json:"cycle"`
	ActionPlan  string            `json:"actionPlan"`
	PolicyAreas []string          `json:"policyAreas"`
	Status      string            `json:"status"`
	Lead        *institutionData  `json:"leadInstitution"`
	Support     []institutionData `json:"supportInstitutions"`
	// What the action plan and the IRM say of it, in the API's own shape.
	StartDate       string           `json:"startDate"`
	EndDate         string           `json:"endDate"`
	MilestonePeriod *monthSpanData   `json:"milestonePeriod"`
	Description     *descriptionData `json:"description"`
	IRM             *assessmentData  `json:"irm"`
	Related         []string         `json:"relatedCommitments"`
}

type institutionData struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
}

type milestoneData struct {
	Commitment       string            `json:"commitment"`
	Code             string            `json:"code"`
	Title            string            `json:"title"`
	VerifiableResult string            `json:"verifiableResult"`
	PlannedStart     string            `json:"plannedStart"`
	PlannedEnd       string            `json:"plannedEnd"`
	Target           *milestone.Target `json:"target"`
	EvidenceRule     string            `json:"evidenceRule"`
	Status           string            `json:"status"`
	Completion       string            `json:"completion"`
}

// meetingData is a meeting in the API's own shape (MeetingInput), with its report.
type meetingData struct {
	Sequence    int              `json:"sequence"`
	Title       string           `json:"title"`
	Topic       string           `json:"topic"`
	Description string           `json:"description"`
	Format      string           `json:"format"`
	Details     *detailsData     `json:"details"`
	StartsAt    time.Time        `json:"startsAt"`
	EndsAt      time.Time        `json:"endsAt"`
	Venue       *venueData       `json:"venue"`
	OnlineURL   string           `json:"onlineUrl"`
	GuestChair  string           `json:"guestChair"`
	Capacity    int              `json:"capacity"`
	Status      string           `json:"status"`
	Report      *publicationData `json:"report"`
}

type detailsData struct {
	Format          string           `json:"format"`
	Experts         []meeting.Expert `json:"experts"`
	Case            string           `json:"case"`
	CaseOwner       string           `json:"caseOwner"`
	CallForPapers   *callData        `json:"callForPapers"`
	TownHall        string           `json:"townHall"`
	OpenToResidents *bool            `json:"openToResidents"`
}

type callData struct {
	OpensOn  string `json:"opensOn"`
	ClosesOn string `json:"closesOn"`
}

type venueData struct {
	Name             string `json:"name"`
	City             string `json:"city"`
	HostOrganisation string `json:"hostOrganisation"`
}

type publicationData struct {
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	URL         string   `json:"url"`
	PublishedOn string   `json:"publishedOn"`
	Summary     string   `json:"summary"`
	Language    string   `json:"language"`
	Licence     string   `json:"licence"`
	Topics      []string `json:"topics"`
}

type organisationData struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	NetworkRole string `json:"networkRole"`
	JoinedOn    string `json:"joinedOn"`
	LeftOn      string `json:"leftOn"`
	Province    string `json:"province"`
	Website     string `json:"website"`
	Description string `json:"description"`
	Example     bool   `json:"example"`
}

// organisations is what the seed needs of the organisation service.
type organisations interface {
	Get(ctx context.Context, ref string) (organisation.Organisation, error)
	Create(ctx context.Context, in organisation.Input) (organisation.Organisation, error)
}

// Report counts what a load added and what was already there.
type Report struct {
	Added   int
	Present int
}

// meetings is what the seed needs of the meeting service.
type meetings interface {
	List(ctx context.Context, req meeting.ListRequest) (domain.Page[meeting.Meeting], error)
	Create(ctx context.Context, in meeting.Input) (meeting.Meeting, error)
	PutReport(ctx context.Context, id string, in meeting.ReportInput) (meeting.Meeting, error)
}

// publications is what the seed needs of the publication service.
type publications interface {
	List(ctx context.Context, q publication.Query) (domain.Page[publication.Publication], error)
	Create(ctx context.Context, in publication.Input) (publication.Publication, error)
}

// milestones is what the seed needs of the milestone service.
type milestones interface {
	GetCommitment(ctx context.Context, code string) (milestone.Commitment, error)
	CreateCommitment(ctx context.Context, in milestone.CommitmentInput) (milestone.Commitment, error)
	UpdateCommitment(ctx context.Context, code string, change func(milestone.CommitmentInput) (milestone.CommitmentInput, error), pre domain.Precondition) (milestone.Commitment, error)
	List(ctx context.Context, req milestone.ListRequest) (domain.Page[milestone.Milestone], error)
	Create(ctx context.Context, in milestone.Input) (milestone.Milestone, error)
}

// evaluations is what the seed needs of the evaluation service.
type evaluations interface {
	List(ctx context.Context, f evaluation.Filter) (domain.Page[evaluation.Evaluation], error)
	Create(ctx context.Context, in evaluation.Input) (evaluation.Evaluation, error)
	PutResponse(ctx context.Context, evaluationID, orgRef string, answers evaluation.Answers) (evaluation.Response, error)
}

// Loader loads seed files through the domain services, so seeded records
// pass the same rules and leave the same change records as any other write.
type Loader struct {
	tx           domain.Transactor
	orgs         organisations
	meetings     meetings
	publications publications
	milestones   milestones
	evaluations  evaluations
	now          func() time.Time
}

// NewLoader returns a loader; now dates the demo's upcoming meetings.
func NewLoader(tx domain.Transactor, orgs organisations, ms meetings, pubs publications, mss milestones, evs evaluations, now func() time.Time) *Loader {
	return &Loader{tx: tx, orgs: orgs, meetings: ms, publications: pubs, milestones: mss, evaluations: evs, now: now}
}

// Load adds the action plan's records that are missing, and the example
// records too when demo is set, all in one transaction. Records already there
// are left as they are, edits included. The examples hold a series from
// 2018 to 2020 and the meetings of the next UpcomingQuarters quarters (see
// upcoming): these age like any meeting, and a load in a later quarter adds
// the quarters that have come within reach.
func (l *Loader) Load(ctx context.Context, demo bool) (Report, error) {
	names := []string{"data/action-plan.json"}
	if demo {
		names = append(names, "data/demo.json")
	}
	ctx = domain.WithActor(ctx, domain.System)
	var rep Report
	err := l.tx.InTx(ctx, func(ctx context.Context) error {
		for _, name := range names {
			f, err := read(name)
			if err != nil {
				return err
			}
			demo := name == "data/demo.json"
			for _, o := range f.Organisations {
				added, err := l.organisation(ctx, o)
				if err != nil {
					return fmt.Errorf("seed %s organisation %s: %w", name, o.Code, err)
				}
				rep.count(added)
			}
			for _, c := range f.Commitments {
				added, err := l.commitment(ctx, c)
				if err != nil {
					return fmt.Errorf("seed %s commitment %s: %w", name, c.Code, err)
				}
				rep.count(added)
			}
			for _, m := range f.Milestones {
				added, err := l.milestone(ctx, m)
				if err != nil {
					return fmt.Errorf("seed %s milestone %s %s: %w", name, m.Commitment, m.Code, err)
				}
				rep.count(added)
			}
			meetings := f.Meetings
			if demo {
				meetings = append(meetings, upcoming(l.now())...)
			}
			for _, m := range meetings {
				added, err := l.meeting(ctx, m, demo)
				if err != nil {
					return fmt.Errorf("seed %s meeting %q: %w", name, m.Title, err)
				}
				rep.count(added)
			}
			for _, e := range f.Evaluations {
				added, err := l.evaluation(ctx, e, demo)
				if err != nil {
					return fmt.Errorf("seed %s evaluation %q: %w", name, e.Title, err)
				}
				rep.count(added)
			}
			for _, p := range f.Publications {
				added, err := l.publication(ctx, p, demo)
				if err != nil {
					return fmt.Errorf("seed %s publication %q: %w", name, p.Title, err)
				}
				rep.count(added)
			}
		}
		return nil
	})
	return rep, err
}

func (r *Report) count(added bool) {
	if added {
		r.Added++
	} else {
		r.Present++
	}
}

func (l *Loader) commitment(ctx context.Context, c commitmentData) (bool, error) {
	details, err := c.details()
	if err != nil {
		return false, err
	}
	cur, err := l.milestones.GetCommitment(ctx, c.Code)
	if err == nil {
		return l.detail(ctx, cur, details)
	}
	if domain.ErrorCode(err) != domain.CodeNotFound {
		return false, err
	}
	in := milestone.CommitmentInput{Code: c.Code, Title: c.Title, Cycle: c.Cycle, ActionPlan: c.ActionPlan, PolicyAreas: c.PolicyAreas,
		Status: c.Status, Details: details}
	if c.Lead != nil {
		in.Lead = &milestone.InstitutionInput{Name: c.Lead.Name, Organisation: c.Lead.Organisation}
	}
	for _, s := range c.Support {
		in.Support = append(in.Support, milestone.InstitutionInput{Name: s.Name, Organisation: s.Organisation})
	}
	_, err = l.milestones.CreateCommitment(ctx, in)
	return err == nil, err
}

func (l *Loader) milestone(ctx context.Context, m milestoneData) (bool, error) {
	if _, found, err := l.findMilestone(ctx, m.Commitment, m.Code); err != nil || found {
		return false, err
	}
	start, err := date(m.PlannedStart)
	if err != nil {
		return false, err
	}
	end, err := date(m.PlannedEnd)
	if err != nil {
		return false, err
	}
	_, err = l.milestones.Create(ctx, milestone.Input{Commitment: m.Commitment, Code: m.Code, Title: m.Title,
		VerifiableResult: m.VerifiableResult, PlannedStart: start, PlannedEnd: end, Target: m.Target,
		Rule: milestone.Rule(m.EvidenceRule), Status: milestone.Status(m.Status), Completion: milestone.Completion(m.Completion)})
	return err == nil, err
}

// evaluation adds e and its responses unless one with its title exists.
// The responses of a past evaluation are recorded as the system.
func (l *Loader) evaluation(ctx context.Context, e evaluationData, example bool) (bool, error) {
	evaluations := func(cursor string) (domain.Page[evaluation.Evaluation], error) {
		return l.evaluations.List(ctx, evaluation.Filter{PageSize: domain.MaxPageSize, Cursor: cursor})
	}
	if _, found, err := find(evaluations, func(ev evaluation.Evaluation) bool { return ev.Title == e.Title }); err != nil || found {
		return false, err
	}
	in := evaluation.Input{Title: e.Title, Description: e.Description, OpensAt: e.OpensAt, ClosesAt: e.ClosesAt,
		Published: e.Published, MinGroupSize: e.MinGroupSize, Example: example}
	if m := e.Milestone; m != nil {
		ms, found, err := l.findMilestone(ctx, m.Commitment, m.Code)
		if err != nil {
			return false, err
		}
		if !found {
			return false, fmt.Errorf("no milestone %s %s", m.Commitment, m.Code)
		}
		in.MilestoneID = ms.ID
	}
	for _, q := range e.Questions {
		in.Questions = append(in.Questions, evaluation.Question{Key: q.Key, Type: evaluation.QuestionType(q.Type), Text: q.Text,
			Required: q.Required, Min: q.Min, Max: q.Max, Labels: q.Labels, Options: q.Options, MinSelections: q.MinSelections,
			MaxSelections: q.MaxSelections, MaxLength: q.MaxLength})
	}
	created, err := l.evaluations.Create(ctx, in)
	if err != nil {
		return false, err
	}
	for _, r := range e.Responses {
		if _, err := l.evaluations.PutResponse(ctx, created.ID, r.Organisation, r.Answers); err != nil {
			return false, fmt.Errorf("response of %s: %w", r.Organisation, err)
		}
	}
	return true, nil
}

// meeting adds m unless a meeting with its title starts at the same time.
func (l *Loader) meeting(ctx context.Context, m meetingData, example bool) (bool, error) {
	meetings := func(cursor string) (domain.Page[meeting.Meeting], error) {
		return l.meetings.List(ctx, meeting.ListRequest{Filter: meeting.Filter{From: m.StartsAt, To: m.EndsAt}, PageSize: domain.MaxPageSize, Cursor: cursor})
	}
	same := func(existing meeting.Meeting) bool {
		return existing.Title == m.Title && existing.StartsAt.Equal(m.StartsAt)
	}
	if _, found, err := find(meetings, same); err != nil || found {
		return false, err
	}
	var err error
	in := meeting.Input{Sequence: m.Sequence, Title: m.Title, Topic: m.Topic, Description: m.Description, Format: meeting.Format(m.Format),
		StartsAt: m.StartsAt, EndsAt: m.EndsAt, OnlineURL: m.OnlineURL, GuestChair: m.GuestChair, Capacity: m.Capacity, Status: meeting.Status(m.Status), Example: example}
	if m.Venue != nil {
		in.Venue = &meeting.VenueInput{Name: m.Venue.Name, City: m.Venue.City, Host: m.Venue.HostOrganisation}
	}
	if d := m.Details; d != nil {
		in.Details = &meeting.DetailsInput{Format: meeting.Format(d.Format), Experts: d.Experts, Case: d.Case, CaseOwner: d.CaseOwner,
			TownHall: d.TownHall, OpenToResidents: d.OpenToResidents}
		if c := d.CallForPapers; c != nil {
			if in.Details.CallOpensOn, err = date(c.OpensOn); err != nil {
				return false, err
			}
			if in.Details.CallClosesOn, err = date(c.ClosesOn); err != nil {
				return false, err
			}
		}
	}
	created, err := l.meetings.Create(ctx, in)
	if err != nil {
		return false, err
	}
	if r := m.Report; r != nil {
		on, err := date(r.PublishedOn)
		if err != nil {
			return false, err
		}
		if _, err := l.meetings.PutReport(ctx, created.ID, meeting.ReportInput{URL: r.URL, PublishedOn: on, Summary: r.Summary,
			Language: r.Language, Licence: r.Licence}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// publication adds p unless one of its kind has its URL.
func (l *Loader) publication(ctx context.Context, p publicationData, example bool) (bool, error) {
	on, err := date(p.PublishedOn)
	if err != nil {
		return false, err
	}
	publications := func(cursor string) (domain.Page[publication.Publication], error) {
		return l.publications.List(ctx, publication.Query{Filter: publication.Filter{Kind: publication.Kind(p.Kind),
			From: on, To: on.AddDate(0, 0, 1)}, PageSize: domain.MaxPageSize, Cursor: cursor})
	}
	if _, found, err := find(publications, func(existing publication.Publication) bool { return existing.URL == p.URL }); err != nil || found {
		return false, err
	}
	_, err = l.publications.Create(ctx, publication.Input{Kind: publication.Kind(p.Kind), Title: p.Title, URL: p.URL, PublishedOn: on,
		Summary: p.Summary, Language: p.Language, Licence: p.Licence, Topics: p.Topics, Example: example})
	return err == nil, err
}

func (l *Loader) organisation(ctx context.Context, o organisationData) (bool, error) {
	_, err := l.orgs.Get(ctx, o.Code)
	if err == nil {
		return false, nil
	}
	if domain.ErrorCode(err) != domain.CodeNotFound {
		return false, err
	}
	joined, err := date(o.JoinedOn)
	if err != nil {
		return false, err
	}
	left, err := date(o.LeftOn)
	if err != nil {
		return false, err
	}
	_, err = l.orgs.Create(ctx, organisation.Input{Code: o.Code, Name: o.Name, Kind: organisation.Kind(o.Kind),
		NetworkRole: organisation.NetworkRole(o.NetworkRole), JoinedOn: joined, LeftOn: left, Province: o.Province,
		Website: o.Website, Description: o.Description, Example: o.Example})
	return err == nil, err
}

func read(name string) (file, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return file{}, fmt.Errorf("read seed %s: %w", name, err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return file{}, fmt.Errorf("parse seed %s: %w", name, err)
	}
	return f, nil
}

func date(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", s, err)
	}
	return t, nil
}

// findMilestone finds the milestone code of commitment.
func (l *Loader) findMilestone(ctx context.Context, commitment, code string) (milestone.Milestone, bool, error) {
	milestones := func(cursor string) (domain.Page[milestone.Milestone], error) {
		return l.milestones.List(ctx, milestone.ListRequest{Filter: milestone.Filter{Commitment: commitment}, PageSize: domain.MaxPageSize, Cursor: cursor})
	}
	return find(milestones, func(m milestone.Milestone) bool { return m.Code == code })
}

// find reads the pages of list until an item matches.
func find[T any](list func(cursor string) (domain.Page[T], error), match func(T) bool) (T, bool, error) {
	var zero T
	for item, err := range domain.Items(list) {
		if err != nil {
			return zero, false, err
		}
		if match(item) {
			return item, true, nil
		}
	}
	return zero, false, nil
}
