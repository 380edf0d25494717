package httpapi

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// The cases of RFC 7396, appendix A.
func TestMergePatch(t *testing.T) {
	tests := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tt := range tests {
		var target, patch any
		if err := json.Unmarshal([]byte(tt.target), &target); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tt.patch), &patch); err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(mergePatch(target, patch))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("merge %s into %s: got %s; want %s", tt.patch, tt.target, got, tt.want)
		}
	}
}

// TestApplyPatch: the decoded patch is merged into the current document,
// the result checked against the resource's schema and bound into the input
// type; a result the schema refuses names the fields.
func TestApplyPatch(t *testing.T) {
	doc, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{contract: newContract(doc.spec, basePath)}
	joined := api.OrganisationInput{Code: "GM0606", Name: "Schiedam", Kind: "municipality", NetworkRole: "member",
		JoinedOn: apiDate(time.Date(2018, 9, 1, 0, 0, 0, 0, time.UTC)), Province: ptr("Zuid-Holland")}
	for _, tt := range []struct {
		name       string
		patch      string
		want       func(in api.OrganisationInput) api.OrganisationInput
		wantFields []string // sorted
	}{
		{"nothing", `{}`, func(in api.OrganisationInput) api.OrganisationInput { return in }, nil},
		{"a name", `{"name":"Gemeente Schiedam"}`, func(in api.OrganisationInput) api.OrganisationInput {
			in.Name = "Gemeente Schiedam"
			return in
		}, nil},
		{"null clears", `{"province":null,"joinedOn":null}`, func(in api.OrganisationInput) api.OrganisationInput {
			in.Province, in.JoinedOn = nil, nil
			return in
		}, nil},
		{"a date", `{"leftOn":"2024-01-31"}`, func(in api.OrganisationInput) api.OrganisationInput {
			in.LeftOn = apiDate(time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC))
			return in
		}, nil},
		{"a required field cleared", `{"name":null,"kind":null}`, nil, []string{"kind", "name"}},
	} {
		var patch map[string]any
		if err := json.Unmarshal([]byte(tt.patch), &patch); err != nil {
			t.Fatal(err)
		}
		var got api.OrganisationInput
		err := s.applyPatch(joined, patch, "OrganisationInput", &got)
		if tt.wantFields != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Errorf("%s: got error %v; want invalid fields %v", tt.name, err, tt.wantFields)
				continue
			}
			var names []string
			for _, f := range de.Fields {
				names = append(names, f.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.wantFields) {
				t.Errorf("%s: got invalid fields %v; want %v", tt.name, names, tt.wantFields)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got error %v; want none", tt.name, err)
			continue
		}
		if want := tt.want(joined); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v; want %+v", tt.name, got, want)
		}
	}
}
