package store_test

import (
	"context"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// A page of no rows is a caller's bug, not "no limit": every list refuses it
// with an internal error instead of reading the whole table.
func TestListRefusesEmptyPageSize(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	createOrganisation(t, db, "GM0001")
	lists := []struct {
		name string
		list func(size int) error
	}{
		{"organisations", func(n int) error {
			_, err := db.ListOrganisations(ctx, organisation.Query{PageSize: n})
			return err
		}},
		{"people", func(n int) error { _, err := db.ListPeople(ctx, person.Query{PageSize: n}); return err }},
		{"meetings", func(n int) error { _, err := db.ListMeetings(ctx, meeting.Query{PageSize: n}); return err }},
		{"publications", func(n int) error {
			_, err := db.ListPublications(ctx, publication.Query{PageSize: n})
			return err
		}},
		{"commitments", func(n int) error {
			_, err := db.ListCommitments(ctx, milestone.CommitmentQuery{PageSize: n})
			return err
		}},
		{"milestones", func(n int) error { _, err := db.ListMilestones(ctx, milestone.Query{PageSize: n}); return err }},
		{"evaluations", func(n int) error {
			_, err := db.ListEvaluations(ctx, evaluation.Filter{PageSize: n})
			return err
		}},
	}
	for _, l := range lists {
		for _, size := range []int{0, -1} {
			err := l.list(size)
			if err == nil {
				t.Errorf("%s with page size %d: got no error; want an internal error", l.name, size)
				continue
			}
			if got := domain.ErrorCode(err); got != domain.CodeInternal {
				t.Errorf("%s with page size %d: got code %q; want %q", l.name, size, got, domain.CodeInternal)
			}
		}
		if err := l.list(1); err != nil {
			t.Errorf("%s with page size 1: got %v; want no error", l.name, err)
		}
	}
}

// A page reads one row beyond its size only to learn that another follows:
// the cursor continues right after the last row returned, and the last page
// has none.
func TestListPagesThroughEveryRow(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	want := []string{"GM0001", "GM0002", "GM0003"}
	for _, code := range want {
		createOrganisation(t, db, code)
	}
	var got []string
	var pages int
	cursor := ""
	for {
		page, err := db.ListOrganisations(ctx, organisation.Query{Sort: []domain.SortKey{{Field: "code"}}, PageSize: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		pages++
		for _, o := range page.Items {
			got = append(got, o.Code)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if pages != 2 || len(got) != len(want) {
		t.Fatalf("got %v in %d pages; want %v in 2", got, pages, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %s; want %s", i, got[i], want[i])
		}
	}
}
