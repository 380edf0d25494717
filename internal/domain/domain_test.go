package domain_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// fieldNames returns the names of the invalid fields err carries, or nil.
func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) {
		return nil
	}
	var names []string
	for _, f := range e.Fields {
		names = append(names, f.Name)
	}
	return names
}

func TestParseSort(t *testing.T) {
	allowed := []string{"name", "code", "joinedOn", "createdAt"}
	tests := []struct {
		name       string
		in         string
		want       []domain.SortKey
		wantFields []string // nil: no error
	}{
		{"empty", "", nil, nil},
		{"blank", "   ", nil, nil},
		{"one ascending", "name", []domain.SortKey{{Field: "name"}}, nil},
		{"one descending", "-joinedOn", []domain.SortKey{{Field: "joinedOn", Descending: true}}, nil},
		{"several, order kept", "-joinedOn,name,-createdAt", []domain.SortKey{
			{Field: "joinedOn", Descending: true}, {Field: "name"}, {Field: "createdAt", Descending: true}}, nil},
		{"spaces around keys", " code , -name ", []domain.SortKey{{Field: "code"}, {Field: "name", Descending: true}}, nil},
		{"unknown field", "province", nil, []string{"sort"}},
		{"field names are case-sensitive", "Name", nil, []string{"sort"}},
		{"bare minus", "-", nil, []string{"sort"}},
		{"double minus", "--name", nil, []string{"sort"}},
		{"trailing comma", "name,", nil, []string{"sort"}},
		{"duplicate", "name,name", nil, []string{"sort"}},
		{"duplicate in both directions", "name,-name", nil, []string{"sort"}},
		{"every problem at once", "name,bogus,name,other", nil, []string{"sort", "sort", "sort"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseSort("sort", tt.in, allowed)
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("ParseSort(%q): got error %v; want none", tt.in, err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ParseSort(%q): got %+v; want %+v", tt.in, got, tt.want)
				}
				return
			}
			if code := domain.ErrorCode(err); code != domain.CodeInvalid {
				t.Fatalf("ParseSort(%q): got code %q (%v); want %q", tt.in, code, err, domain.CodeInvalid)
			}
			if names := fieldNames(t, err); !reflect.DeepEqual(names, tt.wantFields) {
				t.Errorf("ParseSort(%q) fields: got %v; want %v", tt.in, names, tt.wantFields)
			}
		})
	}
}

// The error names the parameter the caller used.
func TestParseSortNamesTheParameter(t *testing.T) {
	_, err := domain.ParseSort("order", "bogus", []string{"name"})
	if names := fieldNames(t, err); !reflect.DeepEqual(names, []string{"order"}) {
		t.Errorf("fields: got %v; want [order]", names)
	}
	if !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "name") {
		t.Errorf("message: got %q; want it to name the bad field and the allowed ones", err.Error())
	}
}

func TestProblemsErr(t *testing.T) {
	var none domain.Problems
	if err := none.Err(); err != nil {
		t.Fatalf("empty Problems.Err(): got %v (%T); want nil", err, err)
	}

	tests := []struct {
		name  string
		add   [][2]string
		want  []string
		inMsg string
	}{
		{"one field", [][2]string{{"name", "must not be empty"}}, []string{"name"}, "name: must not be empty"},
		{"several fields, in order", [][2]string{{"code", "bad"}, {"name", "empty"}, {"website", "bad"}}, []string{"code", "name", "website"}, "3 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p domain.Problems
			for _, a := range tt.add {
				p.Add(a[0], a[1])
			}
			err := p.Err()
			var e *domain.Error
			if !errors.As(err, &e) {
				t.Fatalf("Err(): got %T %v; want *domain.Error", err, err)
			}
			if e.Code != domain.CodeInvalid {
				t.Errorf("code: got %q; want %q", e.Code, domain.CodeInvalid)
			}
			if names := fieldNames(t, err); !reflect.DeepEqual(names, tt.want) {
				t.Errorf("fields: got %v; want %v", names, tt.want)
			}
			for i, f := range e.Fields {
				if f.Reason != tt.add[i][1] {
					t.Errorf("reason of %s: got %q; want %q", f.Name, f.Reason, tt.add[i][1])
				}
			}
			if !strings.Contains(e.Message, tt.inMsg) {
				t.Errorf("message: got %q; want it to contain %q", e.Message, tt.inMsg)
			}
		})
	}
}

func TestPreconditionCheck(t *testing.T) {
	tests := []struct {
		name    string
		pre     domain.Precondition
		current domain.Version
		want    domain.Code
	}{
		{"missing", domain.Precondition{}, 3, domain.CodePreconditionNeeded},
		{"missing even with Any", domain.Precondition{Any: true}, 3, domain.CodePreconditionNeeded},
		{"missing even with the right version", domain.Precondition{Version: 3}, 3, domain.CodePreconditionNeeded},
		{"matching version", domain.Precondition{Present: true, Version: 3}, 3, ""},
		{"stale version", domain.Precondition{Present: true, Version: 2}, 3, domain.CodePreconditionFailed},
		{"version from the future", domain.Precondition{Present: true, Version: 4}, 3, domain.CodePreconditionFailed},
		{"tag that is not ours", domain.Precondition{Present: true, Version: -1}, 3, domain.CodePreconditionFailed},
		{"any", domain.Precondition{Present: true, Any: true}, 3, ""},
		{"any ignores the version", domain.Precondition{Present: true, Any: true, Version: 1}, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.pre.Check(tt.current)
			if got := domain.ErrorCode(err); got != tt.want {
				t.Errorf("Check(%d) with %+v: got %q (%v); want %q", tt.current, tt.pre, got, err, tt.want)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	notFound := domain.Errorf(domain.CodeNotFound, "no organisation %q", "GM9999")
	tests := []struct {
		name string
		err  error
		want domain.Code
	}{
		{"nil", nil, ""},
		{"plain error", errors.New("disk full"), domain.CodeInternal},
		{"domain error", notFound, domain.CodeNotFound},
		{"wrapped once", fmt.Errorf("get: %w", notFound), domain.CodeNotFound},
		{"wrapped twice", fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", domain.Errorf(domain.CodeConflict, "taken"))), domain.CodeConflict},
		{"joined behind a plain error", errors.Join(errors.New("first"), domain.Errorf(domain.CodeForbidden, "no")), domain.CodeForbidden},
		{"wrapped plain error", fmt.Errorf("database: %w", errors.New("boom")), domain.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ErrorCode(tt.err); got != tt.want {
				t.Errorf("ErrorCode(%v): got %q; want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorfFormatsTheMessage(t *testing.T) {
	err := domain.Errorf(domain.CodeNotFound, "no organisation with code %q", "GM9999")
	if got, want := err.Error(), `no organisation with code "GM9999"`; got != want {
		t.Errorf("Error(): got %q; want %q", got, want)
	}
}

func TestActorRequire(t *testing.T) {
	tests := []struct {
		name  string
		actor domain.Actor
		roles []domain.Role
		want  domain.Code
	}{
		{"anonymous", domain.Actor{}, []domain.Role{domain.RoleAdmin}, domain.CodeUnauthenticated},
		{"anonymous with a role set is still anonymous", domain.Actor{Role: domain.RoleAdmin}, []domain.Role{domain.RoleAdmin}, domain.CodeUnauthenticated},
		{"anonymous when no role is required", domain.Actor{}, nil, domain.CodeUnauthenticated},
		{"admin for admin", domain.Actor{Subject: "u1", Role: domain.RoleAdmin}, []domain.Role{domain.RoleAdmin}, ""},
		{"member among several", domain.Actor{Subject: "u2", Role: domain.RoleMember, OrganisationID: "o1"}, []domain.Role{domain.RoleAdmin, domain.RoleMember}, ""},
		{"editor for admin", domain.Actor{Subject: "u3", Role: domain.RoleEditor}, []domain.Role{domain.RoleAdmin}, domain.CodeForbidden},
		{"partner for member", domain.Actor{Subject: "pc_1", Role: domain.RolePartner, OrganisationID: "o1"}, []domain.Role{domain.RoleMember}, domain.CodeForbidden},
		{"signed in without role", domain.Actor{Subject: "u4"}, []domain.Role{domain.RoleAdmin}, domain.CodeForbidden},
		{"signed in, no role required", domain.Actor{Subject: "u5", Role: domain.RoleAnalyst}, nil, domain.CodeForbidden},
		{"system", domain.System, []domain.Role{domain.RoleAdmin}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.actor.Require("do this", tt.roles...)
			if got := domain.ErrorCode(err); got != tt.want {
				t.Errorf("Require(%v) by %+v: got %q (%v); want %q", tt.roles, tt.actor, got, err, tt.want)
			}
		})
	}
}

func TestActorMemberOf(t *testing.T) {
	tests := []struct {
		name  string
		actor domain.Actor
		org   string
		want  bool
	}{
		{"member of it", domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "o1"}, "o1", true},
		{"member of another", domain.Actor{Subject: "u", Role: domain.RoleMember, OrganisationID: "o2"}, "o1", false},
		{"member without organisation", domain.Actor{Subject: "u", Role: domain.RoleMember}, "", false},
		{"partner bound to it", domain.Actor{Subject: "pc", Role: domain.RolePartner, OrganisationID: "o1"}, "o1", false},
		{"admin", domain.Actor{Subject: "u", Role: domain.RoleAdmin, OrganisationID: "o1"}, "o1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.MemberOf(tt.org); got != tt.want {
				t.Errorf("MemberOf(%q) by %+v: got %v; want %v", tt.org, tt.actor, got, tt.want)
			}
		})
	}
}

func TestRoleValid(t *testing.T) {
	for _, r := range domain.Roles {
		if !r.Valid() {
			t.Errorf("%q.Valid(): got false; want true", r)
		}
	}
	for _, r := range []domain.Role{"", "root", "Admin", "system"} {
		if r.Valid() {
			t.Errorf("%q.Valid(): got true; want false", r)
		}
	}
}

func TestActorInContext(t *testing.T) {
	if got := domain.ActorFrom(context.Background()); !got.Anonymous() {
		t.Errorf("ActorFrom(empty context): got %+v; want anonymous", got)
	}
	want := domain.Actor{Subject: "u1", Role: domain.RoleEditor}
	if got := domain.ActorFrom(domain.WithActor(context.Background(), want)); !reflect.DeepEqual(got, want) {
		t.Errorf("ActorFrom(WithActor): got %+v; want %+v", got, want)
	}
}

func TestDiff(t *testing.T) {
	var d domain.Diff
	if len(d) != 0 {
		t.Fatalf("empty diff: got %v; want none", d)
	}
	d.Add(false, "title")
	d.Add(true, "name")
	d.Add(true, "website")
	if got := []string(d); !reflect.DeepEqual(got, []string{"name", "website"}) {
		t.Errorf("got %v; want [name website]", got)
	}
}
