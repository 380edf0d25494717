// Package organisation holds the network's member municipalities and partner
// organisations, the rules for changing them, and the Store they need.
package organisation

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Kind is what kind of organisation it is.
type Kind string

const (
	KindMunicipality    Kind = "municipality"
	KindProvince        Kind = "province"
	KindWaterAuthority  Kind = "water-authority"
	KindCentralGov      Kind = "central-government"
	KindKnowledgeCentre Kind = "knowledge-centre"
	KindCivilSociety    Kind = "civil-society-organisation"
	KindCompany         Kind = "company"
	KindOther           Kind = "other"
)

var kinds = []Kind{KindMunicipality, KindProvince, KindWaterAuthority, KindCentralGov, KindKnowledgeCentre, KindCivilSociety, KindCompany, KindOther}

// NetworkRole is the organisation's role in the network, from the action plan.
type NetworkRole string

const (
	RoleLead    NetworkRole = "lead"
	RoleSupport NetworkRole = "support"
	RoleMember  NetworkRole = "member"
)

var networkRoles = []NetworkRole{RoleLead, RoleSupport, RoleMember}

// Organisation is a member municipality or partner organisation.
type Organisation struct {
	ID          string
	Code        string
	Name        string
	Kind        Kind
	NetworkRole NetworkRole
	JoinedOn    time.Time // zero when unknown
	LeftOn      time.Time // zero while a member
	Province    string
	Website     string
	Description string
	Example     bool // demonstration data, not part of the action plan's record
	Active      bool // a member today; set by the service from its clock, never stored
	Version     domain.Version
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RecordID, RecordVersion and Revised let the write path store an organisation.
func (o Organisation) RecordID() string              { return o.ID }
func (o Organisation) RecordVersion() domain.Version { return o.Version }
func (o Organisation) Revised(v domain.Version, at time.Time) Organisation {
	o.Version, o.UpdatedAt = v, at
	return o
}

// ActiveOn reports whether the organisation is a member on day (a date as
// from Today or Day): joined (or join date unknown) and not yet left.
func (o Organisation) ActiveOn(day time.Time) bool {
	joined := o.JoinedOn.IsZero() || !o.JoinedOn.After(day)
	left := !o.LeftOn.IsZero() && !o.LeftOn.After(day)
	return joined && !left
}

// AsInput turns an organisation back into the input that would produce it,
// so a partial change (PATCH) can start from the current state.
func (o Organisation) AsInput() Input {
	return Input{Code: o.Code, Name: o.Name, Kind: o.Kind, NetworkRole: o.NetworkRole, JoinedOn: o.JoinedOn, LeftOn: o.LeftOn,
		Province: o.Province, Website: o.Website, Description: o.Description, Example: o.Example}
}

// Input is what a caller may set on an organisation.
type Input struct {
	Code        string
	Name        string
	Kind        Kind
	NetworkRole NetworkRole
	JoinedOn    time.Time
	LeftOn      time.Time
	Province    string
	Website     string
	Description string
	Example     bool
}

var (
	municipalityCode = regexp.MustCompile(`^GM[0-9]{4}$`)
	slugCode         = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// NormaliseRef turns a code as a person might type it (gm0606) into the
// stored form (GM0606); ids and slugs pass unchanged.
func NormaliseRef(ref string) string {
	ref = strings.TrimSpace(ref)
	if up := strings.ToUpper(ref); municipalityCode.MatchString(up) {
		return up
	}
	return ref
}

// normalise trims the free-text fields.
func (in Input) normalise() Input {
	in.Code = NormaliseRef(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.Province = strings.TrimSpace(in.Province)
	in.Website = strings.TrimSpace(in.Website)
	in.Description = strings.TrimSpace(in.Description)
	if !in.JoinedOn.IsZero() {
		in.JoinedOn = domain.Day(in.JoinedOn)
	}
	if !in.LeftOn.IsZero() {
		in.LeftOn = domain.Day(in.LeftOn)
	}
	return in
}

// validate reports every rule the input breaks.
func (in Input) validate() error {
	var p domain.Problems
	if !slices.Contains(kinds, in.Kind) {
		p.Add("kind", "must be one of "+domain.OneOf(kinds))
	}
	if !slices.Contains(networkRoles, in.NetworkRole) {
		p.Add("networkRole", "must be one of "+domain.OneOf(networkRoles))
	}
	switch {
	case in.Code == "":
		p.Add("code", "must not be empty")
	case in.Kind == KindMunicipality && !municipalityCode.MatchString(in.Code):
		p.Add("code", "a municipality's code is its CBS code: GM followed by four digits, such as GM0606")
	case in.Kind != KindMunicipality && !slugCode.MatchString(in.Code):
		p.Add("code", "must be a lowercase slug of letters, digits and single hyphens, such as leoo")
	case looksLikeID(in.Code):
		p.Add("code", "must not look like a UUID: paths take ids and codes alike")
	}
	if in.Name == "" {
		p.Add("name", "must not be empty")
	}
	if !in.JoinedOn.IsZero() && !in.LeftOn.IsZero() && in.LeftOn.Before(in.JoinedOn) {
		p.Add("leftOn", "must not be before joinedOn")
	}
	if in.Website != "" && !domain.IsWebURL(in.Website) {
		p.Add("website", "must be an absolute http or https URL")
	}
	return p.Err()
}

func looksLikeID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}
