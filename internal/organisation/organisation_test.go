package organisation

import (
	"reflect"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Each field's change is noticed under its API name: the change log and the
// member's profile-only rule both depend on it.
func TestChangedFields(t *testing.T) {
	base := Organisation{ID: "id-1", Code: "GM0606", Name: "Schiedam", Kind: KindMunicipality, NetworkRole: RoleLead,
		JoinedOn: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Province: "Zuid-Holland", Website: "https://www.schiedam.nl",
		Description: "Trekker", Version: 3}
	tests := []struct {
		name   string
		change func(o *Organisation)
		want   domain.Diff
	}{
		{"nothing", func(*Organisation) {}, nil},
		{"bookkeeping only", func(o *Organisation) { o.Version, o.UpdatedAt = 9, time.Now() }, nil},
		{"same instant in another zone", func(o *Organisation) {
			o.JoinedOn = o.JoinedOn.In(time.FixedZone("CET", 3600))
		}, nil},
		{"code", func(o *Organisation) { o.Code = "GM0607" }, []string{"code"}},
		{"name", func(o *Organisation) { o.Name = "Gemeente Schiedam" }, []string{"name"}},
		{"kind", func(o *Organisation) { o.Kind = KindProvince }, []string{"kind"}},
		{"networkRole", func(o *Organisation) { o.NetworkRole = RoleMember }, []string{"networkRole"}},
		{"joinedOn", func(o *Organisation) { o.JoinedOn = o.JoinedOn.AddDate(0, 0, 1) }, []string{"joinedOn"}},
		{"joinedOn forgotten", func(o *Organisation) { o.JoinedOn = time.Time{} }, []string{"joinedOn"}},
		{"leftOn", func(o *Organisation) { o.LeftOn = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"leftOn"}},
		{"province", func(o *Organisation) { o.Province = "" }, []string{"province"}},
		{"website", func(o *Organisation) { o.Website = "https://schiedam.nl" }, []string{"website"}},
		{"description", func(o *Organisation) { o.Description = "Lead" }, []string{"description"}},
		{"example", func(o *Organisation) { o.Example = true }, []string{"example"}},
		{"several, in field order", func(o *Organisation) { o.Example, o.Name, o.Code = true, "S", "GM0001" }, []string{"code", "name", "example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := base
			tt.change(&next)
			if got := changedFields(base, next); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("changedFields: got %v; want %v", got, tt.want)
			}
		})
	}
}

func TestProfileOnly(t *testing.T) {
	tests := []struct {
		fields []string
		want   []string // forbidden fields; nil when allowed
	}{
		{nil, nil},
		{[]string{"name", "province", "website", "description"}, nil},
		{[]string{"name", "networkRole"}, []string{"networkRole"}},
		{[]string{"code", "kind", "joinedOn", "leftOn", "example"}, []string{"code", "kind", "joinedOn", "leftOn", "example"}},
	}
	for _, tt := range tests {
		err := profileOnly(tt.fields)
		if tt.want == nil {
			if err != nil {
				t.Errorf("profileOnly(%v): got %v; want nil", tt.fields, err)
			}
			continue
		}
		e, ok := err.(*domain.Error)
		if !ok || e.Code != domain.CodeForbidden {
			t.Errorf("profileOnly(%v): got %v; want a forbidden *domain.Error", tt.fields, err)
			continue
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("profileOnly(%v) fields: got %v; want %v", tt.fields, got, tt.want)
		}
	}
}

func TestNormaliseRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GM0606", "GM0606"},
		{"gm0606", "GM0606"},
		{" Gm0606\t", "GM0606"},
		{"leoo", "leoo"},
		{" leoo ", "leoo"},
		{"gm606", "gm606"},
		{"0190a6e4-0000-7000-8000-000000000001", "0190a6e4-0000-7000-8000-000000000001"},
	}
	for _, tt := range tests {
		if got := NormaliseRef(tt.in); got != tt.want {
			t.Errorf("NormaliseRef(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}
