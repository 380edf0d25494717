package store

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

type submissionRow struct {
	ID             string
	MeetingID      string
	Title          string
	Abstract       string
	Authors        jsonColumn[[]authorJSON]
	OrganisationID *string
	Status         string
	SubmittedBy    string
	SubmittedAt    time.Time
	DecidedAt      *time.Time
	Version        int
	UpdatedAt      *time.Time `gorm:"autoUpdateTime:false"`
}

func (submissionRow) TableName() string { return "submissions" }

// authorJSON is an author as stored: a person's id or a free name. Rows
// written before 1.3 hold plain strings, which read as free names.
type authorJSON struct {
	Person string `json:"person,omitempty"`
	Name   string `json:"name,omitempty"`
}

func (a *authorJSON) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*a = authorJSON{Name: name}
		return nil
	}
	type plain authorJSON
	return json.Unmarshal(b, (*plain)(a))
}

type submissionView struct {
	Row     submissionRow `gorm:"embedded"`
	OrgCode *string
	OrgName *string
}

type transitionRow struct {
	ID           string
	SubmissionID string
	FromStatus   string
	ToStatus     string
	Actor        string
	Reason       string
	At           time.Time
}

func (transitionRow) TableName() string { return "submission_transitions" }

type reviewRow struct {
	ID               string
	SubmissionID     string
	Reviewer         string
	ReviewerPersonID *string
	Score            int
	Comment          string
	Version          int
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (reviewRow) TableName() string { return "submission_reviews" }

type reviewerRow struct {
	MeetingID  string `gorm:"primaryKey"`
	PersonID   string `gorm:"primaryKey"`
	AssignedBy string
	AssignedAt time.Time
}

func (reviewerRow) TableName() string { return "conference_reviewers" }

// Submissions lists a conference's submissions in the order they came in,
// with status only those that have it.
func (db *DB) Submissions(ctx context.Context, meetingID string, status meeting.SubmissionStatus) ([]meeting.Submission, error) {
	if status != "" {
		return db.submissions(ctx, "s.meeting_id = ? AND s.status = ?", meetingID, string(status))
	}
	return db.submissions(ctx, "s.meeting_id = ?", meetingID)
}

// GetSubmission reads one submission of a meeting.
func (db *DB) GetSubmission(ctx context.Context, meetingID, id string) (meeting.Submission, error) {
	subs, err := db.submissions(ctx, "s.meeting_id = ? AND s.id = ?", meetingID, id)
	if err != nil {
		return meeting.Submission{}, err
	}
	if len(subs) == 0 {
		return meeting.Submission{}, domain.Errorf(domain.CodeNotFound, "no submission %s for this meeting", id)
	}
	return subs[0], nil
}

// SubmissionsByAuthor lists the submissions, of every meeting, that name
// author among their free-named authors exactly.
func (db *DB) SubmissionsByAuthor(ctx context.Context, author string) ([]meeting.Submission, error) {
	// The column holds JSON: look for the name as the store encodes it, then
	// keep the exact matches.
	encoded, err := jsonOf(author).Value()
	if err != nil {
		return nil, err
	}
	subs, err := db.submissions(ctx, `s.authors LIKE ? ESCAPE '\'`, containing(encoded.(string)))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(subs, func(s meeting.Submission) bool {
		return !slices.ContainsFunc(s.Authors, func(a meeting.Author) bool { return a.PersonID == "" && a.Name == author })
	}), nil
}

// SubmissionsByPerson lists the submissions, of every meeting, that have
// the person among their authors.
func (db *DB) SubmissionsByPerson(ctx context.Context, personID string) ([]meeting.Submission, error) {
	subs, err := db.submissions(ctx, `s.authors LIKE ? ESCAPE '\'`, containing(personID))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(subs, func(s meeting.Submission) bool { return !s.HasAuthor(personID) }), nil
}

// submissions lists the submissions that match where, in the order they
// came, with their authors' names and their history.
func (db *DB) submissions(ctx context.Context, where string, args ...any) ([]meeting.Submission, error) {
	return db.readSubmissions(ctx, true, where, args...)
}

// readSubmissions is submissions, with their history only when asked: the
// programme of a page of meetings needs none.
func (db *DB) readSubmissions(ctx context.Context, history bool, where string, args ...any) ([]meeting.Submission, error) {
	var rows []submissionView
	err := db.reader(ctx).Table("submissions AS s").Select("s.*, o.code AS org_code, o.name AS org_name").
		Joins("LEFT JOIN organisations o ON o.id = s.organisation_id").
		Where(where, args...).Order("s.submitted_at, s.id").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]meeting.Submission, len(rows))
	ids := make([]string, len(rows))
	for i, v := range rows {
		r := v.Row
		sub := meeting.Submission{ID: r.ID, MeetingID: r.MeetingID, Title: r.Title, Abstract: r.Abstract,
			Authors: fromAuthorsJSON(r.Authors.V), Status: meeting.SubmissionStatus(r.Status), SubmittedBy: r.SubmittedBy,
			SubmittedAt: r.SubmittedAt.UTC(), UpdatedAt: r.SubmittedAt.UTC(), Version: domain.Version(max(r.Version, 1))}
		if r.UpdatedAt != nil {
			sub.UpdatedAt = r.UpdatedAt.UTC()
		}
		if r.OrganisationID != nil {
			sub.Organisation = &organisation.Ref{ID: *r.OrganisationID, Code: stringValue(v.OrgCode), Name: stringValue(v.OrgName)}
		}
		if r.DecidedAt != nil {
			sub.DecidedAt = r.DecidedAt.UTC()
		}
		out[i], ids[i] = sub, r.ID
	}
	if err := db.authorNames(ctx, func(yield func(*meeting.Author)) {
		for i := range out {
			for j := range out[i].Authors {
				yield(&out[i].Authors[j])
			}
		}
	}); err != nil {
		return nil, err
	}
	if len(ids) == 0 || !history {
		return out, nil
	}
	var ts []transitionRow
	if err := db.reader(ctx).Where("submission_id IN ?", ids).Order("at, id").Find(&ts).Error; err != nil {
		return nil, dbError(err)
	}
	at := map[string]int{}
	for i, id := range ids {
		at[id] = i
	}
	for _, t := range ts {
		i := at[t.SubmissionID]
		out[i].History = append(out[i].History, meeting.Transition{From: meeting.SubmissionStatus(t.FromStatus),
			To: meeting.SubmissionStatus(t.ToStatus), Actor: t.Actor, Reason: t.Reason, At: t.At.UTC()})
	}
	return out, nil
}

func fromAuthorsJSON(in []authorJSON) []meeting.Author {
	out := make([]meeting.Author, len(in))
	for i, a := range in {
		out[i] = meeting.Author{PersonID: a.Person, Name: a.Name}
	}
	return out
}

// authorNames fills in the names, consent and erasure of the authors who
// are people, in one query.
func (db *DB) authorNames(ctx context.Context, each func(yield func(*meeting.Author))) error {
	var ids []string
	each(func(a *meeting.Author) {
		if a.PersonID != "" {
			ids = append(ids, a.PersonID)
		}
	})
	if len(ids) == 0 {
		return nil
	}
	var people []struct {
		ID            string
		Name          string
		PublicProfile bool
		ErasedAt      *time.Time
	}
	if err := db.reader(ctx).Table("people").Select("id, name, public_profile, erased_at").Where("id IN ?", unique(ids)).
		Scan(&people).Error; err != nil {
		return dbError(err)
	}
	byID := map[string]int{}
	for i, p := range people {
		byID[p.ID] = i
	}
	each(func(a *meeting.Author) {
		if a.PersonID == "" {
			return
		}
		i, ok := byID[a.PersonID]
		if !ok || people[i].ErasedAt != nil {
			// A person removed from the store reads as erased.
			a.Name, a.Erased = "", true
			return
		}
		a.Name, a.Public = people[i].Name, people[i].PublicProfile
	})
	return nil
}

func toSubmissionRow(s meeting.Submission) submissionRow {
	authors := make([]authorJSON, len(s.Authors))
	for i, a := range s.Authors {
		if a.PersonID != "" {
			authors[i] = authorJSON{Person: a.PersonID}
		} else {
			authors[i] = authorJSON{Name: a.Name}
		}
	}
	updated := s.UpdatedAt.UTC()
	r := submissionRow{ID: s.ID, MeetingID: s.MeetingID, Title: s.Title, Abstract: s.Abstract, Authors: jsonOf(authors),
		Status: string(s.Status), SubmittedBy: s.SubmittedBy, SubmittedAt: s.SubmittedAt.UTC(), Version: int(s.Version), UpdatedAt: &updated}
	if s.Organisation != nil {
		r.OrganisationID = nullString(s.Organisation.ID)
	}
	if !s.DecidedAt.IsZero() {
		t := s.DecidedAt.UTC()
		r.DecidedAt = &t
	}
	return r
}

// CreateSubmission inserts s.
func (db *DB) CreateSubmission(ctx context.Context, s meeting.Submission, c domain.Change) error {
	row := toSubmissionRow(s)
	return db.create(ctx, &row, c)
}

// UpdateSubmission writes s where its stored version is c.Version-1, and
// the move t when set.
func (db *DB) UpdateSubmission(ctx context.Context, s meeting.Submission, t *meeting.Transition, c domain.Change) error {
	row := toSubmissionRow(s)
	return db.writeRecorded(ctx, c, func(tx *gormDB) error {
		if err := swapUpdate(tx, &row, "id", s.ID, c); err != nil {
			return err
		}
		if t == nil {
			return nil
		}
		return tx.Create(&transitionRow{ID: uuid.Must(uuid.NewV7()).String(),
			SubmissionID: s.ID, FromStatus: string(t.From), ToStatus: string(t.To), Actor: t.Actor, Reason: t.Reason, At: c.At.UTC()}).Error
	})
}

// Reviews maps the submission ids to their reviews, oldest first, with the
// reviewers' names.
func (db *DB) Reviews(ctx context.Context, submissionIDs []string) (map[string][]meeting.Review, error) {
	out := map[string][]meeting.Review{}
	if len(submissionIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		Row      reviewRow `gorm:"embedded"`
		Name     *string
		ErasedAt *time.Time
	}
	err := db.reader(ctx).Table("submission_reviews AS r").Select("r.*, p.name AS name, p.erased_at AS erased_at").
		Joins("LEFT JOIN people p ON p.id = r.reviewer_person_id").
		Where("r.submission_id IN ?", unique(submissionIDs)).Order("r.created_at, r.id").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	for _, v := range rows {
		r := v.Row
		rv := meeting.Review{ID: r.ID, SubmissionID: r.SubmissionID, Reviewer: r.Reviewer, ReviewerPersonID: stringValue(r.ReviewerPersonID),
			Score: r.Score, Comment: r.Comment, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		if rv.ReviewerPersonID != "" {
			rv.ReviewerErased = v.ErasedAt != nil || v.Name == nil
			if !rv.ReviewerErased {
				rv.ReviewerName = *v.Name
			}
		}
		out[r.SubmissionID] = append(out[r.SubmissionID], rv)
	}
	return out, nil
}

// PutReview inserts r at version 1, or updates it where its stored version
// is one less.
func (db *DB) PutReview(ctx context.Context, r meeting.Review, c domain.Change) error {
	row := reviewRow{ID: r.ID, SubmissionID: r.SubmissionID, Reviewer: r.Reviewer, ReviewerPersonID: nullString(r.ReviewerPersonID),
		Score: r.Score, Comment: r.Comment, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Version == 1 {
		return db.create(ctx, &row, c)
	}
	return db.update(ctx, &row, r.ID, c)
}

// Reviewers lists a conference's reviewers in the order they were assigned.
func (db *DB) Reviewers(ctx context.Context, meetingID string) ([]meeting.Reviewer, error) {
	var rows []struct {
		Row      reviewerRow `gorm:"embedded"`
		Name     *string
		ErasedAt *time.Time
	}
	err := db.reader(ctx).Table("conference_reviewers AS c").Select("c.*, p.name AS name, p.erased_at AS erased_at").
		Joins("LEFT JOIN people p ON p.id = c.person_id").Where("c.meeting_id = ?", meetingID).
		Order("c.assigned_at, c.person_id").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]meeting.Reviewer, len(rows))
	for i, v := range rows {
		out[i] = meeting.Reviewer{MeetingID: v.Row.MeetingID, PersonID: v.Row.PersonID, AssignedBy: v.Row.AssignedBy,
			AssignedAt: v.Row.AssignedAt.UTC(), Erased: v.ErasedAt != nil || v.Name == nil}
		if !out[i].Erased {
			out[i].Name = *v.Name
		}
	}
	return out, nil
}

// IsReviewer reports whether the person reviews the conference's papers.
func (db *DB) IsReviewer(ctx context.Context, meetingID, personID string) (bool, error) {
	var n int64
	err := db.reader(ctx).Model(&reviewerRow{}).Where("meeting_id = ? AND person_id = ?", meetingID, personID).Count(&n).Error
	return n > 0, dbError(err)
}

// AddReviewer inserts r.
func (db *DB) AddReviewer(ctx context.Context, r meeting.Reviewer, c domain.Change) error {
	return db.create(ctx, &reviewerRow{MeetingID: r.MeetingID, PersonID: r.PersonID, AssignedBy: r.AssignedBy, AssignedAt: r.AssignedAt.UTC()}, c)
}

// RemoveReviewer deletes the person's assignment to the conference.
func (db *DB) RemoveReviewer(ctx context.Context, meetingID, personID string, c domain.Change) error {
	return db.writeRecorded(ctx, c, func(tx *gormDB) error {
		return tx.Where("meeting_id = ? AND person_id = ?", meetingID, personID).Delete(&reviewerRow{}).Error
	})
}

// programmes fills the programme of the conferences among ms: their
// accepted papers, in one query for the page.
func (db *DB) programmes(ctx context.Context, ms []meeting.Meeting) error {
	var ids []string
	at := map[string]int{}
	for i, m := range ms {
		if m.Format == meeting.FormatConference {
			ids, at[m.ID] = append(ids, m.ID), i
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var subs []meeting.Submission
	for chunk := range slices.Chunk(ids, 500) { // a feed reads every meeting at once
		some, err := db.readSubmissions(ctx, false, "s.meeting_id IN ? AND s.status = ?", chunk, string(meeting.Accepted))
		if err != nil {
			return err
		}
		subs = append(subs, some...)
	}
	for _, s := range subs {
		i := at[s.MeetingID]
		ms[i].Programme = append(ms[i].Programme, meeting.ProgrammeItem{SubmissionID: s.ID, Title: s.Title, Authors: s.Authors,
			Organisation: s.Organisation})
	}
	return nil
}
