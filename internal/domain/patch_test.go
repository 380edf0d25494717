package domain_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// noteStore holds one note and writes it through domain.Update, as a
// service's Replace does; others lists the writes that land between a
// Patch's read and its write, one per prepare.
type noteStore struct {
	stored note
	others []string
	steps  []string
}

func (s *noteStore) patch(ctx context.Context, pre domain.Precondition, text string, authorise, prepare error) (note, error) {
	return domain.Patch(ctx, pre,
		func(context.Context) (note, error) { s.steps = append(s.steps, "load"); return s.stored, nil },
		func(note) error { s.steps = append(s.steps, "authorise"); return authorise },
		func(current note) (string, error) {
			s.steps = append(s.steps, "prepare")
			if len(s.others) > 0 { // someone else writes while this one computes
				s.stored.Text, s.stored.Version = s.others[0], s.stored.Version+1
				s.others = s.others[1:]
			}
			return current.Text + "+" + text, prepare
		},
		s.write)
}

// write is the service's Replace: the edit runs in the transaction with the
// version Patch pinned.
func (s *noteStore) write(ctx context.Context, id string, text string, at domain.Precondition) (note, error) {
	s.steps = append(s.steps, "write")
	if id != s.stored.ID {
		return note{}, domain.Errorf(domain.CodeNotFound, "no note %q", id)
	}
	return domain.Update(ctx, inTx{}, time.Now, at, domain.Edit[note]{
		Resource: "note",
		Load:     func(context.Context) (note, error) { return s.stored, nil },
		Change: func(_ context.Context, n note) (note, error) {
			n.Text = text
			return n, nil
		},
		Diff: func(a, b note) domain.Diff {
			var d domain.Diff
			d.Add(a.Text != b.Text, "text")
			return d
		},
		Save: func(_ context.Context, n note, _ domain.Change) error {
			s.stored = n
			return nil
		},
	})
}

func TestPatch(t *testing.T) {
	forbidden := domain.Errorf(domain.CodeForbidden, "not yours")
	invalid := domain.Errorf(domain.CodeInvalid, "bad text")
	match := domain.Precondition{Present: true, Version: 3}
	anyVersion := domain.Precondition{Present: true, Any: true}
	once := []string{"load", "authorise", "prepare", "write"}
	tests := []struct {
		name               string
		pre                domain.Precondition
		authorise, prepare error
		others             []string // writes that land while the patch computes
		wantCode           domain.Code
		wantSteps          []string
		wantText           string // as stored afterwards
		wantVersion        domain.Version
	}{
		{"writes what prepare computed", match, nil, nil, nil, "", once, "old+new", 4},
		{"forbidden before a stale version", domain.Precondition{Present: true, Version: 1}, forbidden, nil, nil,
			domain.CodeForbidden, []string{"load", "authorise"}, "old", 3},
		{"forbidden before a missing If-Match", domain.Precondition{}, forbidden, nil, nil,
			domain.CodeForbidden, []string{"load", "authorise"}, "old", 3},
		{"missing If-Match before the merge", domain.Precondition{}, nil, invalid, nil,
			domain.CodePreconditionNeeded, []string{"load", "authorise"}, "old", 3},
		{"stale version before the merge", domain.Precondition{Present: true, Version: 2}, nil, invalid, nil,
			domain.CodePreconditionFailed, []string{"load", "authorise"}, "old", 3},
		{"merge fails", match, nil, invalid, nil, domain.CodeInvalid, []string{"load", "authorise", "prepare"}, "old", 3},
		{"a write in between answers 412", match, nil, nil, []string{"theirs"},
			domain.CodePreconditionFailed, once, "theirs", 4},
		{"a write in between makes If-Match: * compute again", anyVersion, nil, nil, []string{"theirs"},
			"", slices.Concat(once, once), "theirs+new", 5},
		{"If-Match: * gives up after three attempts", anyVersion, nil, nil, []string{"a", "b", "c"},
			domain.CodePreconditionFailed, slices.Concat(once, once, once), "c", 6},
		{"If-Match: * writes at once when nobody else does", anyVersion, nil, nil, nil, "", once, "old+new", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &noteStore{stored: note{ID: "n1", Text: "old", Version: 3}, others: tt.others}
			ctx := domain.WithActor(context.Background(), domain.Actor{Subject: "u1", Role: domain.RoleAdmin})
			got, err := s.patch(ctx, tt.pre, "new", tt.authorise, tt.prepare)
			if code := domain.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("got code %q (%v); want %q", code, err, tt.wantCode)
			}
			if !slices.Equal(s.steps, tt.wantSteps) {
				t.Errorf("got steps %v; want %v", s.steps, tt.wantSteps)
			}
			if s.stored.Text != tt.wantText || s.stored.Version != tt.wantVersion {
				t.Errorf("got stored %q at %d; want %q at %d", s.stored.Text, s.stored.Version, tt.wantText, tt.wantVersion)
			}
			if err == nil && (got.Text != tt.wantText || got.Version != tt.wantVersion) {
				t.Errorf("got %q at %d; want %q at %d", got.Text, got.Version, tt.wantText, tt.wantVersion)
			}
		})
	}
}
