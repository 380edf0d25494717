package domain_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// note is the smallest record the write path can work on.
type note struct {
	ID      string
	Text    string
	Version domain.Version
	At      time.Time
}

func (n note) RecordID() string              { return n.ID }
func (n note) RecordVersion() domain.Version { return n.Version }
func (n note) Revised(v domain.Version, at time.Time) note {
	n.Version, n.At = v, at
	return n
}

// inTx runs fn directly: the write path's order is what is under test here;
// the services' tests run it on the real store.
type inTx struct{}

func (inTx) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

// writes records what an edit saved, removed and which hooks ran.
type writes struct {
	steps   []string
	saved   []domain.Change
	removed []domain.Change
	judged  string // the next text the field authorisation saw
}

func (w *writes) edit(current note, text string, authorise, authoriseFields, change error) domain.Edit[note] {
	return domain.Edit[note]{
		Resource: "note",
		Load:     func(context.Context) (note, error) { w.steps = append(w.steps, "load"); return current, nil },
		Authorise: func(note) error {
			w.steps = append(w.steps, "authorise")
			return authorise
		},
		Change: func(_ context.Context, n note) (note, error) {
			w.steps = append(w.steps, "change")
			n.Text = text
			return n, change
		},
		Diff: func(a, b note) domain.Diff {
			var d domain.Diff
			d.Add(a.Text != b.Text, "text")
			return d
		},
		AuthoriseFields: func(_, next note, _ domain.Diff) error {
			w.steps = append(w.steps, "fields")
			w.judged = next.Text
			return authoriseFields
		},
		Save: func(_ context.Context, _ note, c domain.Change) error {
			w.steps = append(w.steps, "save")
			w.saved = append(w.saved, c)
			return nil
		},
		Remove: func(_ context.Context, _ note, c domain.Change) error {
			w.steps = append(w.steps, "remove")
			w.removed = append(w.removed, c)
			return nil
		},
	}
}

func TestUpdateOrder(t *testing.T) {
	forbidden := domain.Errorf(domain.CodeForbidden, "not yours")
	invalid := domain.Errorf(domain.CodeInvalid, "bad text")
	current := note{ID: "n1", Text: "old", Version: 3}
	match := domain.Precondition{Present: true, Version: 3}
	tests := []struct {
		name                              string
		text                              string
		pre                               domain.Precondition
		authorise, authoriseFields, build error
		wantCode                          domain.Code
		wantSteps                         []string
		wantVersion                       domain.Version
	}{
		{"saves a change", "new", match, nil, nil, nil, "", []string{"load", "authorise", "change", "fields", "save"}, 4},
		{"forbidden before a stale version", "new", domain.Precondition{Present: true, Version: 1}, forbidden, nil, nil,
			domain.CodeForbidden, []string{"load", "authorise"}, 0},
		{"forbidden before a missing If-Match", "new", domain.Precondition{}, forbidden, nil, nil,
			domain.CodeForbidden, []string{"load", "authorise"}, 0},
		{"stale version before the rules", "new", domain.Precondition{Present: true, Version: 2}, nil, nil, invalid,
			domain.CodePreconditionFailed, []string{"load", "authorise"}, 0},
		{"missing If-Match", "new", domain.Precondition{}, nil, nil, nil,
			domain.CodePreconditionNeeded, []string{"load", "authorise"}, 0},
		{"rules break", "new", match, nil, nil, invalid, domain.CodeInvalid, []string{"load", "authorise", "change"}, 0},
		{"field not allowed", "new", match, nil, forbidden, nil, domain.CodeForbidden,
			[]string{"load", "authorise", "change", "fields"}, 0},
		{"no change keeps the version", "old", match, nil, nil, nil, "", []string{"load", "authorise", "change", "fields"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w writes
			at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
			ctx := domain.WithActor(context.Background(), domain.Actor{Subject: "u1", Role: domain.RoleAdmin})
			got, err := domain.Update(ctx, inTx{}, func() time.Time { return at }, tt.pre,
				w.edit(current, tt.text, tt.authorise, tt.authoriseFields, tt.build))
			if code := domain.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("got code %q (%v); want %q", code, err, tt.wantCode)
			}
			if !slices.Equal(w.steps, tt.wantSteps) {
				t.Errorf("got steps %v; want %v", w.steps, tt.wantSteps)
			}
			if slices.Contains(w.steps, "fields") && w.judged != tt.text {
				t.Errorf("got fields judged on %q; want %q", w.judged, tt.text)
			}
			if got.Version != tt.wantVersion {
				t.Errorf("got version %d; want %d", got.Version, tt.wantVersion)
			}
			if tt.wantVersion != current.Version+1 {
				return
			}
			want := domain.Change{Resource: "note", ResourceID: "n1", Action: domain.ActionUpdate, Actor: "u1",
				Fields: []string{"text"}, Version: 4, At: time.Date(2026, 3, 1, 11, 0, 0, 123456000, time.UTC)}
			if len(w.saved) != 1 || !changeEqual(w.saved[0], want) {
				t.Errorf("got saved %+v; want %+v", w.saved, want)
			}
			if !got.At.Equal(want.At) || got.At.Location() != time.UTC {
				t.Errorf("got updated at %v; want %v", got.At, want.At)
			}
		})
	}
}

func TestDeleteOrder(t *testing.T) {
	forbidden := domain.Errorf(domain.CodeForbidden, "not yours")
	current := note{ID: "n1", Version: 3}
	tests := []struct {
		name      string
		pre       domain.Precondition
		authorise error
		wantCode  domain.Code
		wantSteps []string
	}{
		{"removes", domain.Precondition{Present: true, Version: 3}, nil, "", []string{"load", "authorise", "remove"}},
		{"forbidden before a stale version", domain.Precondition{Present: true, Version: 1}, forbidden,
			domain.CodeForbidden, []string{"load", "authorise"}},
		{"stale version", domain.Precondition{Present: true, Version: 2}, nil,
			domain.CodePreconditionFailed, []string{"load", "authorise"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w writes
			at := time.Date(2026, 3, 1, 12, 0, 0, 999, time.UTC)
			ctx := domain.WithActor(context.Background(), domain.Actor{Subject: "u1", Role: domain.RoleAdmin})
			err := domain.Delete(ctx, inTx{}, func() time.Time { return at }, tt.pre, w.edit(current, "", tt.authorise, nil, nil))
			if code := domain.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("got code %q (%v); want %q", code, err, tt.wantCode)
			}
			if !slices.Equal(w.steps, tt.wantSteps) {
				t.Errorf("got steps %v; want %v", w.steps, tt.wantSteps)
			}
			if tt.wantCode != "" {
				return
			}
			want := domain.Change{Resource: "note", ResourceID: "n1", Action: domain.ActionDelete, Actor: "u1",
				Version: 4, At: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			if len(w.removed) != 1 || !changeEqual(w.removed[0], want) {
				t.Errorf("got removed %+v; want %+v", w.removed, want)
			}
		})
	}
}

func TestUpdateReturnsSaveError(t *testing.T) {
	var w writes
	e := w.edit(note{ID: "n1", Version: 1}, "new", nil, nil, nil)
	boom := errors.New("disk full")
	e.Save = func(context.Context, note, domain.Change) error { return boom }
	_, err := domain.Update(context.Background(), inTx{}, time.Now, domain.Precondition{Present: true, Any: true}, e)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v; want %v", err, boom)
	}
}

func changeEqual(a, b domain.Change) bool {
	return a.Resource == b.Resource && a.ResourceID == b.ResourceID && a.Action == b.Action && a.Actor == b.Actor &&
		slices.Equal(a.Fields, b.Fields) && a.Version == b.Version && a.At.Equal(b.At) && a.At.Location() == time.UTC
}
