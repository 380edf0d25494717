package milestone

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// ProgressUpdate is a dated progress update with evidence. It has both time
// axes: Date is the day it is about (valid time), RecordedAt when it was
// entered (record time); an update may be entered days after its date.
type ProgressUpdate struct {
	ID          string
	MilestoneID string
	Date        time.Time
	Note        string
	EvidenceURL string
	Author      string
	RecordedAt  time.Time
}

// ProgressUpdateInput is a progress update as sent.
type ProgressUpdateInput struct {
	Date        time.Time
	Note        string
	EvidenceURL string
	Author      string
}

// AddProgressUpdate records a dated progress update. Editors and admins.
func (s *Service) AddProgressUpdate(ctx context.Context, milestoneID string, in ProgressUpdateInput) (ProgressUpdate, error) {
	actor, err := requireEditor(ctx, "report progress")
	if err != nil {
		return ProgressUpdate{}, err
	}
	if _, err := s.store.GetMilestone(ctx, milestoneID); err != nil {
		return ProgressUpdate{}, err
	}
	var p domain.Problems
	u := ProgressUpdate{ID: uuid.Must(uuid.NewV7()).String(), MilestoneID: milestoneID, Date: domain.Day(in.Date),
		Note: strings.TrimSpace(in.Note), EvidenceURL: strings.TrimSpace(in.EvidenceURL), Author: strings.TrimSpace(in.Author),
		RecordedAt: domain.Timestamp(s.now)}
	if u.Date.IsZero() {
		p.Add("date", "is required")
	} else if u.Date.After(domain.Today(s.now())) {
		p.Add("date", "must not be in the future")
	}
	if u.Note == "" {
		p.Add("note", "must not be empty")
	}
	if u.EvidenceURL != "" {
		if !domain.IsWebURL(u.EvidenceURL) {
			p.Add("evidenceUrl", "must be an absolute http or https URL")
		}
	}
	if err := p.Err(); err != nil {
		return ProgressUpdate{}, err
	}
	if u.Author == "" {
		u.Author = actor.Subject
	}
	err = s.store.CreateProgressUpdate(ctx, u, domain.Change{Resource: "milestone-update", ResourceID: u.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"milestone", "date", "note", "evidenceUrl", "author"}, Version: 1, At: u.RecordedAt})
	return u, err
}

// ProgressUpdates lists a milestone's progress updates, newest first: those
// entered by the end of the day w.AsOf (record time, RecordedAt) and about a
// day up to w.EvidenceOn (valid time, Date), as milestones read them. Public.
func (s *Service) ProgressUpdates(ctx context.Context, milestoneID string, w When) ([]ProgressUpdate, error) {
	var p domain.Problems
	if w.check(s.now(), &p); p.Err() != nil {
		return nil, p.Err()
	}
	if _, err := s.store.GetMilestone(ctx, milestoneID); err != nil {
		return nil, err
	}
	return s.store.ListProgressUpdates(ctx, milestoneID, w.seen(s.now()))
}
