// Package person holds the network's contact persons ("pioneers") and their
// memberships of organisations. It is personal data under the GDPR: the rules
// for who sees what, consent, export and erasure live here.
package person

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Role is a person's role in the network for an organisation.
type Role string

var roles = []Role{"pioneer", "programme-manager", "director", "contact", "alderman", "other"}

// Membership ties a person to an organisation for a period.
type Membership struct {
	OrganisationID   string
	OrganisationCode string // read only, for display
	OrganisationName string // read only, for display
	Role             Role
	From             time.Time // zero when unknown
	To               time.Time // zero while it lasts
}

// Person is a contact person.
type Person struct {
	ID          string
	Name        string
	Email       string
	Phone       string
	Position    string
	Languages   []string
	Memberships []Membership
	Consent     Consent
	Erased      bool
	View        View // how much of the person this value shows; set by Redact
	Version     domain.Version
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Consent is what the person agreed to, and who recorded it when.
type Consent struct {
	PublicProfile bool
	RecordedAt    time.Time // zero while nothing was recorded
	RecordedBy    string

	// Contact: the network may email the person about their registrations,
	// meetings and papers. Without it no notification goes out.
	Contact bool
}

// RecordID, RecordVersion and Revised let the write path store a person.
func (p Person) RecordID() string              { return p.ID }
func (p Person) RecordVersion() domain.Version { return p.Version }
func (p Person) Revised(v domain.Version, at time.Time) Person {
	p.Version, p.UpdatedAt = v, at
	return p
}

// With reports whether the person has a membership of organisation id on
// day: a municipality the person has left no longer acts for them.
func (p Person) With(id string, day time.Time) bool {
	for _, m := range p.Memberships {
		if m.OrganisationID == id && (m.From.IsZero() || !m.From.After(day)) && (m.To.IsZero() || !m.To.Before(day)) {
			return true
		}
	}
	return false
}

// OnlyWith reports whether every membership is with organisation id (and there is one).
func (p Person) OnlyWith(id string) bool {
	if len(p.Memberships) == 0 {
		return false
	}
	for _, m := range p.Memberships {
		if m.OrganisationID != id {
			return false
		}
	}
	return true
}

// View is how much of a person a caller may see.
type View int

const (
	Hidden View = iota // not at all
	Public             // name, position, organisations
	Full               // everything
)

// ReadsOwnPeople reports whether the actor is an API client bound to an
// organisation whose token grants people:read: it sees the public profile
// fields of that organisation's current people, whether or not they made
// their profile public.
func ReadsOwnPeople(a domain.Actor) bool {
	return a.Client && a.Is(domain.RolePartner) && a.OrganisationID != "" && a.HasScope(domain.ScopePeopleRead)
}

// ViewFor says how much the actor may see of p on day.
func ViewFor(a domain.Actor, p Person, day time.Time) View {
	switch {
	case a.Is(domain.RoleAdmin, domain.RoleEditor):
		return Full
	case a.Is(domain.RoleMember) && p.With(a.OrganisationID, day):
		return Full
	case !a.Anonymous() && a.PersonID != "" && a.PersonID == p.ID:
		return Full
	case p.Consent.PublicProfile:
		return Public
	case ReadsOwnPeople(a) && p.With(a.OrganisationID, day):
		// A partner's portal acting for the organisation lists its people,
		// as a member would, but gets no more than a public profile: no
		// contact data, no consent.
		return Public
	default:
		return Hidden
	}
}

// Redact keeps only what view allows.
func Redact(p Person, view View) Person {
	if view == Full {
		p.View = Full
		return p
	}
	out := Person{ID: p.ID, Name: p.Name, Position: p.Position, View: view, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	for _, m := range p.Memberships {
		out.Memberships = append(out.Memberships, Membership{OrganisationID: m.OrganisationID, OrganisationCode: m.OrganisationCode, OrganisationName: m.OrganisationName})
	}
	return out
}

// AsInput turns a person back into the input that would produce it, so a
// partial change (PATCH) can start from the current state.
func (p Person) AsInput() Input {
	in := Input{Name: p.Name, Email: p.Email, Phone: p.Phone, Position: p.Position, Languages: slices.Clone(p.Languages)}
	for _, m := range p.Memberships {
		in.Memberships = append(in.Memberships, MembershipInput{Organisation: m.OrganisationID, Role: m.Role, From: m.From, To: m.To})
	}
	return in
}

// Input is what a caller may set on a person.
type Input struct {
	Name        string
	Email       string
	Phone       string
	Position    string
	Languages   []string
	Memberships []MembershipInput
}

// MembershipInput names the organisation by id or code.
type MembershipInput struct {
	Organisation string
	Role         Role
	From         time.Time
	To           time.Time
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (in Input) normalise() Input {
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Phone = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(strings.TrimSpace(in.Phone))
	in.Position = strings.TrimSpace(in.Position)
	in.Memberships = slices.Clone(in.Memberships) // the caller's slice stays as it was
	for i, m := range in.Memberships {
		in.Memberships[i].Organisation = organisation.NormaliseRef(m.Organisation)
		if !m.From.IsZero() {
			in.Memberships[i].From = domain.Day(m.From)
		}
		if !m.To.IsZero() {
			in.Memberships[i].To = domain.Day(m.To)
		}
	}
	return in
}

// validate checks everything that needs no database.
func (in Input) validate(p *domain.Problems) {
	if in.Name == "" {
		p.Add("name", "must not be empty")
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || !strings.Contains(in.Email[strings.LastIndex(in.Email, "@"):], ".") {
			p.Add("email", "must be an email address such as name@example.org")
		}
	}
	if in.Phone != "" && !e164.MatchString(in.Phone) {
		p.Add("phone", "must be in international format (E.164) such as +31612345678")
	}
	seen := map[string]bool{}
	for i, l := range in.Languages {
		switch {
		case !domain.IsLanguageTag(l):
			p.Add(fmt.Sprintf("languages[%d]", i), "must be a language tag such as nl or en-GB")
		case seen[l]:
			p.Add(fmt.Sprintf("languages[%d]", i), "appears twice")
		}
		seen[l] = true
	}
	for i, m := range in.Memberships {
		name := fmt.Sprintf("memberships[%d]", i)
		if !slices.Contains(roles, m.Role) {
			p.Add(name+".role", "must be one of "+domain.OneOf(roles))
		}
		if !m.From.IsZero() && !m.To.IsZero() && m.To.Before(m.From) {
			p.Add(name+".to", "must not be before from")
		}
	}
}

// overlaps reports memberships of the same organisation whose periods
// overlap; ids must be resolved first.
func overlaps(ms []Membership, p *domain.Problems) {
	for i := range ms {
		for j := 0; j < i; j++ {
			a, b := ms[j], ms[i]
			if a.OrganisationID == "" || a.OrganisationID != b.OrganisationID || invalidPeriod(a) || invalidPeriod(b) {
				continue
			}
			if startsBeforeEnd(a.From, b.To) && startsBeforeEnd(b.From, a.To) {
				p.Add(fmt.Sprintf("memberships[%d]", i), fmt.Sprintf("overlaps memberships[%d] with the same organisation; end one before the other starts", j))
			}
		}
	}
}

func invalidPeriod(m Membership) bool {
	return !m.From.IsZero() && !m.To.IsZero() && m.To.Before(m.From)
}

// startsBeforeEnd reports whether a period starting at from begins on or
// before a period ending at to; zero dates are open.
func startsBeforeEnd(from, to time.Time) bool {
	return from.IsZero() || to.IsZero() || !from.After(to)
}
