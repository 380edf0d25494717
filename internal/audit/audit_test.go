package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func TestActorOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject string
		want    audit.ActorKind
	}{
		{"system", audit.ActorSystem},
		{"pc_Ab3dE", audit.ActorClient},
		{"0190a6e4-0000-7000-8000-000000000001", audit.ActorUser},
		{"systems", audit.ActorUser},
	}
	for _, tt := range tests {
		if got := audit.ActorOf(tt.subject); got.Kind != tt.want || got.ID != tt.subject {
			t.Errorf("ActorOf(%q): got %+v; want kind %s, id %s", tt.subject, got, tt.want, tt.subject)
		}
	}
}

// store answers every list with one entry and counts purges; purge deletes
// from a pile of n entries, at most limit at a time.
type store struct {
	lists  int
	pile   int
	purges int
}

func (s *store) ListAuditEvents(context.Context, audit.Query) (domain.Page[audit.Entry], error) {
	s.lists++
	return domain.Page[audit.Entry]{Items: []audit.Entry{{ID: "e"}}}, nil
}

func (s *store) EachAuditEvent(_ context.Context, _ audit.Filter, fn func(audit.Entry) error) error {
	s.lists++
	return fn(audit.Entry{ID: "e"})
}

func (s *store) PurgeAuditEvents(_ context.Context, _ time.Time, limit int) (int, error) {
	s.purges++
	n := min(limit, s.pile)
	s.pile -= n
	return n, nil
}

func TestListIsForAdmins(t *testing.T) {
	t.Parallel()
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		actor domain.Actor
		f     audit.Filter
		size  int
		want  domain.Code
	}{
		{"anonymous", domain.Actor{}, audit.Filter{}, 0, domain.CodeUnauthenticated},
		{"editor", domain.Actor{Subject: "e", Role: domain.RoleEditor}, audit.Filter{}, 0, domain.CodeForbidden},
		{"partner", domain.Actor{Subject: "pc_x", Role: domain.RolePartner, Client: true}, audit.Filter{}, 0, domain.CodeForbidden},
		{"admin", domain.Actor{Subject: "a", Role: domain.RoleAdmin}, audit.Filter{}, 0, ""},
		{"admin, a period", domain.Actor{Subject: "a", Role: domain.RoleAdmin}, audit.Filter{From: jan, To: jan.Add(time.Hour)}, 0, ""},
		{"admin, to before from", domain.Actor{Subject: "a", Role: domain.RoleAdmin}, audit.Filter{From: jan, To: jan}, 0, domain.CodeInvalid},
		{"admin, page too large", domain.Actor{Subject: "a", Role: domain.RoleAdmin}, audit.Filter{}, 101, domain.CodeInvalid},
	}
	for _, tt := range tests {
		s := &store{}
		_, err := audit.NewService(s, time.Now).List(domain.WithActor(context.Background(), tt.actor), audit.Query{Filter: tt.f, PageSize: tt.size})
		if got := domain.ErrorCode(err); got != tt.want {
			t.Errorf("%s: got %q (%v); want %q", tt.name, got, err, tt.want)
		}
		if wantLists := map[bool]int{true: 1, false: 0}[tt.want == ""]; s.lists != wantLists {
			t.Errorf("%s: store asked %d times; want %d", tt.name, s.lists, wantLists)
		}
	}
}

// Purge goes on batch after batch until one comes back short.
func TestPurgeRunsInBatches(t *testing.T) {
	t.Parallel()
	tests := []struct{ pile, wantPurges int }{{0, 1}, {999, 1}, {1000, 2}, {2500, 3}}
	for _, tt := range tests {
		s := &store{pile: tt.pile}
		n, err := audit.NewService(s, time.Now).Purge(context.Background(), time.Now())
		if err != nil || n != tt.pile || s.purges != tt.wantPurges {
			t.Errorf("pile of %d: got %d deleted in %d batches, %v; want %d in %d", tt.pile, n, s.purges, err, tt.pile, tt.wantPurges)
		}
	}
}
