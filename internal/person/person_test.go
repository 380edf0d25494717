package person

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// problemNames lists the field names of p in the order they were added.
func problemNames(t *testing.T, p domain.Problems) []string {
	t.Helper()
	names := []string{}
	for _, f := range p {
		names = append(names, f.Name)
	}
	return names
}

// sample is a person with every field set, a membership of org-a and public consent.
func sample() Person {
	return Person{ID: "p-1", Name: "Anna de Vries", Email: "anna@example.org", Phone: "+31612345678", Position: "Adviseur",
		Languages: []string{"nl", "en"},
		Memberships: []Membership{
			{OrganisationID: "org-a", OrganisationCode: "GM0606", OrganisationName: "Schiedam", Role: "pioneer", From: day(2022, 1, 1), To: day(2023, 1, 1)},
			{OrganisationID: "org-c", OrganisationCode: "GM0363", OrganisationName: "Amsterdam", Role: "contact", From: day(2023, 2, 1)},
		},
		Consent: Consent{PublicProfile: true, RecordedAt: time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), RecordedBy: "admin-1"},
		Version: 3, CreatedAt: time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)}
}

func TestViewFor(t *testing.T) {
	public := sample()
	private := sample()
	private.Consent = Consent{}
	alone := sample()
	alone.Memberships = nil
	alone.Consent = Consent{}
	tests := []struct {
		name  string
		actor domain.Actor
		p     Person
		want  View
	}{
		{"admin, private", domain.Actor{Subject: "u", Role: domain.RoleAdmin}, private, Full},
		{"system", domain.System, private, Full},
		{"editor, private", domain.Actor{Subject: "u", Role: domain.RoleEditor}, private, Full},
		{"member of the organisation the person left, private", domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "org-a"}, private, Hidden},
		{"member of the organisation the person left, public", domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "org-a"}, public, Public},
		{"member of its other organisation, private", domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "org-c"}, private, Full},
		{"member of another, public", domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "org-b"}, public, Public},
		{"member of another, private", domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "org-b"}, private, Hidden},
		{"member without organisation, no memberships", domain.Actor{Subject: "u", Role: domain.RoleMember}, alone, Hidden},
		{"analyst, public", domain.Actor{Subject: "u", Role: domain.RoleAnalyst}, public, Public},
		{"analyst, private", domain.Actor{Subject: "u", Role: domain.RoleAnalyst}, private, Hidden},
		{"partner bound to the organisation, public", domain.Actor{Subject: "pc", Role: domain.RolePartner, OrganisationID: "org-a"}, public, Public},
		{"partner bound to the organisation, private", domain.Actor{Subject: "pc", Role: domain.RolePartner, OrganisationID: "org-a"}, private, Hidden},
		{"anonymous, public", domain.Actor{}, public, Public},
		{"anonymous, private", domain.Actor{}, private, Hidden},
		{"anonymous claiming admin", domain.Actor{Role: domain.RoleAdmin}, private, Hidden},
		{"anonymous claiming membership", domain.Actor{Role: domain.RoleMember, OrganisationID: "org-a"}, private, Hidden},
		{"anonymous claiming to be the person", domain.Actor{PersonID: "p-1"}, private, Hidden},
		{"own user, private", domain.Actor{Subject: "u", Role: domain.RoleAnalyst, PersonID: "p-1"}, private, Full},
		{"own user without memberships", domain.Actor{Subject: "u", Role: domain.RoleAnalyst, PersonID: "p-1"}, alone, Full},
		{"another person's user, private", domain.Actor{Subject: "u", Role: domain.RoleAnalyst, PersonID: "p-2"}, private, Hidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ViewFor(tt.actor, tt.p, day(2024, 6, 1)); got != tt.want {
				t.Errorf("ViewFor(%+v): got %v; want %v", tt.actor, got, tt.want)
			}
		})
	}
	// While the membership lasted, the organisation saw the person in full.
	member := domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "org-a"}
	for _, d := range []time.Time{day(2022, 1, 1), day(2022, 6, 1), day(2023, 1, 1)} {
		if got := ViewFor(member, private, d); got != Full {
			t.Errorf("ViewFor on %s, during the membership: got %v; want full", d.Format(time.DateOnly), got)
		}
	}
	for _, d := range []time.Time{day(2021, 12, 31), day(2023, 1, 2)} {
		if got := ViewFor(member, private, d); got != Hidden {
			t.Errorf("ViewFor on %s, outside the membership: got %v; want hidden", d.Format(time.DateOnly), got)
		}
	}
}

func TestRedact(t *testing.T) {
	p := sample()
	p.Erased = true

	full := Redact(p, Full)
	wantFull := p
	wantFull.View = Full
	if !reflect.DeepEqual(full, wantFull) {
		t.Errorf("Redact(Full): got %+v; want %+v", full, wantFull)
	}

	pub := Redact(p, Public)
	want := Person{ID: p.ID, Name: p.Name, Position: p.Position, View: Public, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		Memberships: []Membership{
			{OrganisationID: "org-a", OrganisationCode: "GM0606", OrganisationName: "Schiedam"},
			{OrganisationID: "org-c", OrganisationCode: "GM0363", OrganisationName: "Amsterdam"},
		}}
	if !reflect.DeepEqual(pub, want) {
		t.Errorf("Redact(Public): got %+v; want %+v", pub, want)
	}
	if !reflect.DeepEqual(p, func() Person { s := sample(); s.Erased = true; return s }()) {
		t.Errorf("Redact changed its argument: got %+v", p)
	}
}

func TestWithAndOnlyWith(t *testing.T) {
	tests := []struct {
		name                 string
		orgs                 []string
		org                  string
		wantMember, wantOnly bool
	}{
		{"one membership of it", []string{"a"}, "a", true, true},
		{"two memberships of it", []string{"a", "a"}, "a", true, true},
		{"of it and another", []string{"a", "b"}, "a", true, false},
		{"of another only", []string{"b"}, "a", false, false},
		{"no memberships", nil, "a", false, false},
		{"no memberships, empty id", nil, "", false, false},
		{"empty id", []string{"a"}, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Person
			for _, o := range tt.orgs {
				p.Memberships = append(p.Memberships, Membership{OrganisationID: o, Role: "pioneer"})
			}
			if got := p.With(tt.org, day(2024, 6, 1)); got != tt.wantMember {
				t.Errorf("With(%q): got %v; want %v", tt.org, got, tt.wantMember)
			}
			if got := p.OnlyWith(tt.org); got != tt.wantOnly {
				t.Errorf("OnlyWith(%q): got %v; want %v", tt.org, got, tt.wantOnly)
			}
		})
	}
}

func TestNormalise(t *testing.T) {
	in := Input{Name: "  Anna de Vries\t", Email: " Anna@Example.ORG ", Phone: " +31 (6) 1234-56.78 ", Position: " Adviseur ",
		Languages: []string{"nl"},
		Memberships: []MembershipInput{
			{Organisation: " gm0606 ", Role: "pioneer", From: time.Date(2022, 1, 1, 17, 30, 0, 0, time.UTC), To: time.Date(2023, 6, 30, 23, 0, 0, 0, time.UTC)},
			{Organisation: "open-state", Role: "contact"},
		}}
	got := in.normalise()
	want := Input{Name: "Anna de Vries", Email: "anna@example.org", Phone: "+31612345678", Position: "Adviseur",
		Languages: []string{"nl"},
		Memberships: []MembershipInput{
			{Organisation: "GM0606", Role: "pioneer", From: day(2022, 1, 1), To: day(2023, 6, 30)},
			{Organisation: "open-state", Role: "contact"},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("normalise: got %+v; want %+v", got, want)
	}
}

// normalise has a value receiver and returns the normalised input; the
// caller's own input, memberships included, stays as it was.
func TestNormaliseLeavesTheCallersInputAlone(t *testing.T) {
	from := time.Date(2022, 1, 1, 17, 30, 0, 0, time.UTC)
	in := Input{Name: " Anna ", Memberships: []MembershipInput{{Organisation: " gm0606 ", Role: "pioneer", From: from}}}
	_ = in.normalise()
	if got := in.Memberships[0]; got.Organisation != " gm0606 " || !got.From.Equal(from) {
		t.Errorf("caller's membership after normalise: got %+v; want organisation %q from %v", got, " gm0606 ", from)
	}
}

func TestValidate(t *testing.T) {
	valid := func() Input {
		return Input{Name: "Anna de Vries", Email: "anna@example.org", Phone: "+31612345678", Languages: []string{"nl", "en-GB"},
			Memberships: []MembershipInput{{Organisation: "GM0606", Role: "pioneer", From: day(2022, 1, 1), To: day(2023, 1, 1)}}}
	}
	with := func(f func(*Input)) Input {
		in := valid()
		f(&in)
		return in
	}
	tests := []struct {
		name string
		in   Input
		want []string // in order
	}{
		{"valid", valid(), []string{}},
		{"only a name", Input{Name: "Anna"}, []string{}},
		{"empty name", with(func(in *Input) { in.Name = "" }), []string{"name"}},
		{"blank name", with(func(in *Input) { in.Name = " \t " }), []string{"name"}},
		{"email in capitals", with(func(in *Input) { in.Email = "Anna@Example.ORG" }), []string{}},
		{"email without @", with(func(in *Input) { in.Email = "anna.example.org" }), []string{"email"}},
		{"email without a dot in the domain", with(func(in *Input) { in.Email = "anna@localhost" }), []string{"email"}},
		{"email with a display name", with(func(in *Input) { in.Email = "Anna <anna@example.org>" }), []string{"email"}},
		{"email with two @", with(func(in *Input) { in.Email = "anna@@example.org" }), []string{"email"}},
		{"email with a space", with(func(in *Input) { in.Email = "anna de vries@example.org" }), []string{"email"}},
		{"phone with spaces", with(func(in *Input) { in.Phone = "+31 6 1234 5678" }), []string{}},
		{"phone with hyphens and dots", with(func(in *Input) { in.Phone = "+31-6-1234.5678" }), []string{}},
		{"phone, shortest", with(func(in *Input) { in.Phone = "+1234567" }), []string{}},
		{"phone, longest", with(func(in *Input) { in.Phone = "+123456789012345" }), []string{}},
		{"phone too short", with(func(in *Input) { in.Phone = "+123456" }), []string{"phone"}},
		{"phone too long", with(func(in *Input) { in.Phone = "+1234567890123456" }), []string{"phone"}},
		{"national phone", with(func(in *Input) { in.Phone = "06 1234 5678" }), []string{"phone"}},
		{"phone with 00", with(func(in *Input) { in.Phone = "0031612345678" }), []string{"phone"}},
		{"phone starting +0", with(func(in *Input) { in.Phone = "+0612345678" }), []string{"phone"}},
		{"phone with letters", with(func(in *Input) { in.Phone = "+31 6 PIONIER" }), []string{"phone"}},
		{"language in capitals", with(func(in *Input) { in.Languages = []string{"NL"} }), []string{"languages[0]"}},
		{"region in lowercase", with(func(in *Input) { in.Languages = []string{"nl", "en-gb"} }), []string{"languages[1]"}},
		{"language as a word", with(func(in *Input) { in.Languages = []string{"dutch"} }), []string{"languages[0]"}},
		{"empty language", with(func(in *Input) { in.Languages = []string{""} }), []string{"languages[0]"}},
		{"duplicate language", with(func(in *Input) { in.Languages = []string{"nl", "en", "nl"} }), []string{"languages[2]"}},
		{"three-letter language", with(func(in *Input) { in.Languages = []string{"fry"} }), []string{}},
		{"unknown role", with(func(in *Input) { in.Memberships[0].Role = "chair" }), []string{"memberships[0].role"}},
		{"no role", with(func(in *Input) { in.Memberships[0].Role = "" }), []string{"memberships[0].role"}},
		{"role in capitals", with(func(in *Input) { in.Memberships[0].Role = "Pioneer" }), []string{"memberships[0].role"}},
		{"to before from", with(func(in *Input) { in.Memberships[0].To = day(2021, 12, 31) }), []string{"memberships[0].to"}},
		{"to on from", with(func(in *Input) { in.Memberships[0].To = day(2022, 1, 1) }), []string{}},
		{"to without from", with(func(in *Input) { in.Memberships[0].From = time.Time{} }), []string{}},
		{"bad second membership", with(func(in *Input) {
			in.Memberships = append(in.Memberships, MembershipInput{Organisation: "GM0344", Role: "boss", From: day(2024, 1, 1), To: day(2023, 1, 1)})
		}), []string{"memberships[1].role", "memberships[1].to"}},
		{"every problem at once", Input{Name: "", Email: "anna", Phone: "0612345678", Languages: []string{"nl", "NL", "nl"},
			Memberships: []MembershipInput{{Organisation: "GM0606", Role: "chair", From: day(2023, 1, 1), To: day(2022, 1, 1)}}},
			[]string{"name", "email", "phone", "languages[1]", "languages[2]", "memberships[0].role", "memberships[0].to"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p domain.Problems
			tt.in.normalise().validate(&p)
			if got := problemNames(t, p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems: got %v; want %v (%+v)", got, tt.want, p)
			}
		})
	}
}

func TestOverlaps(t *testing.T) {
	m := func(org string, from, to time.Time) Membership {
		return Membership{OrganisationID: org, Role: "pioneer", From: from, To: to}
	}
	var open time.Time
	tests := []struct {
		name string
		ms   []Membership
		want []string
	}{
		{"none", nil, []string{}},
		{"one", []Membership{m("a", day(2020, 1, 1), open)}, []string{}},
		{"consecutive", []Membership{m("a", day(2020, 1, 1), day(2020, 12, 31)), m("a", day(2021, 1, 1), open)}, []string{}},
		{"consecutive, given in reverse", []Membership{m("a", day(2021, 1, 1), open), m("a", day(2020, 1, 1), day(2020, 12, 31))}, []string{}},
		{"overlapping", []Membership{m("a", day(2020, 1, 1), day(2021, 6, 30)), m("a", day(2021, 1, 1), day(2022, 1, 1))}, []string{"memberships[1]"}},
		{"one inside the other", []Membership{m("a", day(2020, 1, 1), day(2025, 1, 1)), m("a", day(2021, 1, 1), day(2022, 1, 1))}, []string{"memberships[1]"}},
		{"ending the day the next starts", []Membership{m("a", day(2020, 1, 1), day(2021, 1, 1)), m("a", day(2021, 1, 1), open)}, []string{"memberships[1]"}},
		{"both open-ended", []Membership{m("a", day(2020, 1, 1), open), m("a", day(2022, 1, 1), open)}, []string{"memberships[1]"}},
		{"open-ended before a later one", []Membership{m("a", day(2020, 1, 1), open), m("a", day(2022, 1, 1), day(2023, 1, 1))}, []string{"memberships[1]"}},
		{"no dates at all", []Membership{m("a", open, open), m("a", open, open)}, []string{"memberships[1]"}},
		{"unknown start before an earlier end", []Membership{m("a", open, day(2020, 1, 1)), m("a", day(2019, 1, 1), day(2019, 6, 1))}, []string{"memberships[1]"}},
		{"unknown start, ended before the next", []Membership{m("a", open, day(2019, 12, 31)), m("a", day(2020, 1, 1), open)}, []string{}},
		{"different organisations", []Membership{m("a", day(2020, 1, 1), open), m("b", day(2020, 1, 1), open)}, []string{}},
		{"third overlaps the first", []Membership{m("a", day(2020, 1, 1), day(2020, 12, 31)), m("b", open, open), m("a", day(2020, 6, 1), open)}, []string{"memberships[2]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p domain.Problems
			overlaps(tt.ms, &p)
			if got := problemNames(t, p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems: got %v; want %v", got, tt.want)
			}
		})
	}
}

func TestOwnOrganisationOnly(t *testing.T) {
	actor := domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "a"}
	m := func(org string, role Role, from time.Time) Membership {
		return Membership{OrganisationID: org, Role: role, From: from}
	}
	own, own2 := m("a", "pioneer", day(2020, 1, 1)), m("a", "contact", day(2022, 1, 1))
	other := m("b", "pioneer", day(2020, 1, 1))
	tests := []struct {
		name          string
		before, after []Membership
		wantErr       bool
	}{
		{"create with its own", nil, []Membership{own}, false},
		{"create with its own twice", nil, []Membership{own, own2}, false},
		{"create without memberships", nil, nil, true},
		{"create with another", nil, []Membership{other}, true},
		{"create with its own and another", nil, []Membership{own, other}, true},
		{"change its own", []Membership{own}, []Membership{own2}, false},
		{"remove its own", []Membership{own, other}, []Membership{other}, false},
		{"keep another as it is, reordered", []Membership{own, other}, []Membership{other, own2}, false},
		{"add another", []Membership{own}, []Membership{own, other}, true},
		{"remove another", []Membership{own, other}, []Membership{own}, true},
		{"change another's role", []Membership{own, other}, []Membership{own, m("b", "contact", day(2020, 1, 1))}, true},
		{"change another's start", []Membership{own, other}, []Membership{own, m("b", "pioneer", day(2020, 1, 2))}, true},
		{"end another", []Membership{own, other}, []Membership{own, {OrganisationID: "b", Role: "pioneer", From: day(2020, 1, 1), To: day(2024, 1, 1)}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ownOrganisationOnly(actor, tt.before, tt.after)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("got %v; want nil", err)
				}
				return
			}
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.CodeForbidden {
				t.Fatalf("got %v; want a forbidden *domain.Error", err)
			}
			if len(e.Fields) != 1 || e.Fields[0].Name != "memberships" {
				t.Errorf("fields: got %+v; want one naming memberships", e.Fields)
			}
		})
	}
}

func TestChangedFields(t *testing.T) {
	base := sample()
	tests := []struct {
		name   string
		change func(*Person)
		want   domain.Diff
	}{
		{"nothing", func(*Person) {}, nil},
		{"consent, version and times are not profile fields", func(p *Person) {
			p.Consent = Consent{}
			p.Version++
			p.UpdatedAt = p.UpdatedAt.Add(time.Hour)
			p.Memberships[0].OrganisationName = "Gemeente Schiedam"
		}, nil},
		{"name", func(p *Person) { p.Name = "Anna van Dijk" }, []string{"name"}},
		{"email", func(p *Person) { p.Email = "" }, []string{"email"}},
		{"phone", func(p *Person) { p.Phone = "+31687654321" }, []string{"phone"}},
		{"position", func(p *Person) { p.Position = "" }, []string{"position"}},
		{"languages reordered", func(p *Person) { p.Languages = []string{"en", "nl"} }, []string{"languages"}},
		{"membership role", func(p *Person) { p.Memberships[1].Role = "pioneer" }, []string{"memberships"}},
		{"membership end", func(p *Person) { p.Memberships[1].To = day(2025, 1, 1) }, []string{"memberships"}},
		{"membership removed", func(p *Person) { p.Memberships = p.Memberships[:1] }, []string{"memberships"}},
		{"same instant in another zone", func(p *Person) {
			p.Memberships[0].From = p.Memberships[0].From.In(time.FixedZone("CET", 3600))
		}, nil},
		{"everything", func(p *Person) {
			*p = Person{ID: p.ID}
		}, []string{"name", "email", "phone", "position", "languages", "memberships"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := sample()
			next.Memberships = append([]Membership(nil), base.Memberships...)
			tt.change(&next)
			if got := changedFields(base, next); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("changedFields: got %v; want %v", got, tt.want)
			}
		})
	}
}
