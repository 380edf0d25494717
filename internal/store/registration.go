package store

import (
	"context"
	"slices"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

type registrationRow struct {
	ID           string
	MeetingID    string
	PersonID     string
	Status       string
	Attended     *bool
	RegisteredAt time.Time
	RegisteredBy string
}

func (registrationRow) TableName() string { return "registrations" }

// registrationView is a registration with its person's name, as listed.
type registrationView struct {
	Row        registrationRow `gorm:"embedded"` // named: gorm skips unexported embedded types
	PersonName string
	ErasedAt   *time.Time
}

// Registrations lists a meeting's registrations in the order they were made.
func (db *DB) Registrations(ctx context.Context, meetingID string) ([]meeting.Registration, error) {
	var rows []registrationView
	err := db.reader(ctx).Table("registrations AS g").
		Select("g.*, p.name AS person_name, p.erased_at AS erased_at").
		Joins("JOIN people p ON p.id = g.person_id").
		Where("g.meeting_id = ?", meetingID).Order("g.registered_at, g.id").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	ids := make([]string, len(rows))
	for i, v := range rows {
		ids[i] = v.Row.PersonID
	}
	ms, err := db.memberships(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]meeting.Registration, len(rows))
	for i, v := range rows {
		out[i] = toRegistration(v.Row, v.PersonName, v.ErasedAt, ms)
	}
	return out, nil
}

var registrationKeyset = keyset{
	columns: map[string]sortColumn{
		"registeredAt": {expr: map[Dialect]string{SQLite: "g.registered_at", Postgres: "g.registered_at"}, isTime: true,
			value: func(r any) any { return r.(registrationListView).Row.RegisteredAt }},
	},
	idExpr: "g.id",
	id:     func(r any) string { return r.(registrationListView).Row.ID },
}

// registrationListView is a registration with its person and meeting, as a
// list across meetings shows it.
type registrationListView struct {
	Row             registrationRow `gorm:"embedded"`
	PersonName      string
	ErasedAt        *time.Time
	MeetingTitle    string
	MeetingStartsAt time.Time
	MeetingStatus   string
}

// ListRegistrations pages registrations across meetings, newest first.
func (db *DB) ListRegistrations(ctx context.Context, q meeting.RegistrationQuery) (domain.Page[meeting.Registration], error) {
	tx := db.reader(ctx).Table("registrations AS g").
		Select(`g.id, g.meeting_id, g.person_id, g.status, g.attended, g.registered_at, g.registered_by, p.name AS person_name,
		p.erased_at AS erased_at, m.title AS meeting_title, m.starts_at AS meeting_starts_at, m.status AS meeting_status`).
		Joins("JOIN people p ON p.id = g.person_id").Joins("JOIN meetings m ON m.id = g.meeting_id")
	if q.OrganisationID != "" {
		tx = tx.Where("g.person_id IN (SELECT person_id FROM memberships WHERE organisation_id = ?)", q.OrganisationID)
	}
	if q.PersonID != "" {
		tx = tx.Where("g.person_id = ?", q.PersonID)
	}
	if q.Status != "" {
		tx = tx.Where("g.status = ?", string(q.Status))
	} else {
		tx = tx.Where("g.status <> ?", string(meeting.Cancelled))
	}
	sort := []domain.SortKey{{Field: "registeredAt", Descending: true}}
	fp := fingerprint("registrations", q.OrganisationID, q.PersonID, string(q.Status))
	tx, err := registrationKeyset.apply(tx, db.dialect, sort, q.Cursor, fp)
	if err != nil {
		return domain.Page[meeting.Registration]{}, err
	}
	rows, next, err := readPage[registrationListView](tx, registrationKeyset, sort, fp, q.PageSize, false)
	if err != nil {
		return domain.Page[meeting.Registration]{}, err
	}
	ids := make([]string, len(rows))
	for i, v := range rows {
		ids[i] = v.Row.PersonID
	}
	ms, err := db.memberships(ctx, ids)
	if err != nil {
		return domain.Page[meeting.Registration]{}, err
	}
	page := domain.Page[meeting.Registration]{Next: next, Items: make([]meeting.Registration, len(rows))}
	for i, v := range rows {
		reg := toRegistration(v.Row, v.PersonName, v.ErasedAt, ms)
		reg.MeetingTitle, reg.MeetingStartsAt, reg.MeetingStatus = v.MeetingTitle, v.MeetingStartsAt.UTC(), meeting.Status(v.MeetingStatus)
		page.Items[i] = reg
	}
	return page, nil
}

// toRegistration maps a registration row with its person's name, erasure
// and memberships.
func toRegistration(r registrationRow, name string, erasedAt *time.Time, ms map[string][]person.Membership) meeting.Registration {
	reg := meeting.Registration{ID: r.ID, MeetingID: r.MeetingID, PersonID: r.PersonID, PersonName: name,
		PersonErased: erasedAt != nil, Status: meeting.RegistrationStatus(r.Status), Attended: r.Attended,
		RegisteredAt: r.RegisteredAt.UTC(), RegisteredBy: r.RegisteredBy}
	for _, m := range ms[r.PersonID] {
		reg.OrganisationIDs = append(reg.OrganisationIDs, m.OrganisationID)
	}
	return reg
}

// PersonRegistrations lists every registration of a person, for the export.
func (db *DB) PersonRegistrations(ctx context.Context, personID string) ([]person.RegistrationRecord, error) {
	var rows []struct {
		ID            string
		MeetingID     string
		Title         string
		StartsAt      time.Time
		MeetingStatus string
		Status        string
		Attended      *bool
		RegisteredAt  time.Time
	}
	err := db.reader(ctx).Table("registrations AS g").
		Select("g.id, g.meeting_id, m.title, m.starts_at, m.status AS meeting_status, g.status, g.attended, g.registered_at").
		Joins("JOIN meetings m ON m.id = g.meeting_id").Where("g.person_id = ?", personID).
		Order("g.registered_at, g.id").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]person.RegistrationRecord, len(rows))
	for i, r := range rows {
		out[i] = person.RegistrationRecord{ID: r.ID, MeetingID: r.MeetingID, MeetingTitle: r.Title, MeetingStarts: r.StartsAt.UTC(),
			MeetingStatus: r.MeetingStatus, Status: r.Status, Attended: r.Attended, RegisteredAt: r.RegisteredAt.UTC()}
	}
	return out, nil
}

func toRegistrationRow(r meeting.Registration) registrationRow {
	return registrationRow{ID: r.ID, MeetingID: r.MeetingID, PersonID: r.PersonID, Status: string(r.Status), Attended: r.Attended,
		RegisteredAt: r.RegisteredAt.UTC(), RegisteredBy: r.RegisteredBy}
}

// CreateRegistration inserts r.
func (db *DB) CreateRegistration(ctx context.Context, r meeting.Registration, c domain.Change) error {
	row := toRegistrationRow(r)
	err := db.writeRecorded(ctx, c, func(tx *gormDB) error { return tx.Create(&row).Error })
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "this person is registered already",
			Fields: []domain.FieldError{{Name: "person", Reason: "is registered for this meeting already"}}}
	}
	return err
}

// UpdateRegistration writes r's status and attendance.
func (db *DB) UpdateRegistration(ctx context.Context, r meeting.Registration, c domain.Change) error {
	return db.writeRecorded(ctx, c, func(tx *gormDB) error {
		return tx.Model(&registrationRow{}).Where("id = ?", r.ID).
			Updates(map[string]any{"status": string(r.Status), "attended": r.Attended}).Error
	})
}

type submissionRow struct {
	ID             string
	MeetingID      string
	Title          string
	Abstract       string
	Authors        jsonColumn[[]string]
	OrganisationID *string
	Status         string
	SubmittedBy    string
	SubmittedAt    time.Time
	DecidedAt      *time.Time
}

func (submissionRow) TableName() string { return "submissions" }

type submissionView struct {
	Row     submissionRow `gorm:"embedded"`
	OrgCode *string
	OrgName *string
}

// Submissions lists a conference's submissions in the order they came in.
func (db *DB) Submissions(ctx context.Context, meetingID string) ([]meeting.Submission, error) {
	return db.submissions(ctx, "s.meeting_id = ?", meetingID)
}

// SubmissionsByAuthor lists the submissions, of every meeting, that name
// author among their authors exactly.
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
	return slices.DeleteFunc(subs, func(s meeting.Submission) bool { return !slices.Contains(s.Authors, author) }), nil
}

// submissions lists the submissions that match where, in the order they came.
func (db *DB) submissions(ctx context.Context, where string, args ...any) ([]meeting.Submission, error) {
	var rows []submissionView
	err := db.reader(ctx).Table("submissions AS s").Select("s.*, o.code AS org_code, o.name AS org_name").
		Joins("LEFT JOIN organisations o ON o.id = s.organisation_id").
		Where(where, args...).Order("s.submitted_at, s.id").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]meeting.Submission, len(rows))
	for i, v := range rows {
		r := v.Row
		sub := meeting.Submission{ID: r.ID, MeetingID: r.MeetingID, Title: r.Title, Abstract: r.Abstract,
			Authors: r.Authors.V, Status: meeting.SubmissionStatus(r.Status), SubmittedBy: r.SubmittedBy, SubmittedAt: r.SubmittedAt.UTC()}
		if r.OrganisationID != nil {
			sub.Organisation = &organisation.Ref{ID: *r.OrganisationID, Code: stringValue(v.OrgCode), Name: stringValue(v.OrgName)}
		}
		if r.DecidedAt != nil {
			sub.DecidedAt = r.DecidedAt.UTC()
		}
		out[i] = sub
	}
	return out, nil
}

func toSubmissionRow(s meeting.Submission) submissionRow {
	r := submissionRow{ID: s.ID, MeetingID: s.MeetingID, Title: s.Title, Abstract: s.Abstract, Authors: jsonOf(nonNil(s.Authors)),
		Status: string(s.Status), SubmittedBy: s.SubmittedBy, SubmittedAt: s.SubmittedAt.UTC()}
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
	return db.writeRecorded(ctx, c, func(tx *gormDB) error { return tx.Create(&row).Error })
}

// UpdateSubmission writes s's decision and authors.
func (db *DB) UpdateSubmission(ctx context.Context, s meeting.Submission, c domain.Change) error {
	row := toSubmissionRow(s)
	return db.writeRecorded(ctx, c, func(tx *gormDB) error {
		return tx.Model(&submissionRow{}).Where("id = ?", s.ID).
			Updates(map[string]any{"status": row.Status, "decided_at": row.DecidedAt, "authors": row.Authors}).Error
	})
}

// RegisteredMeetings lists the meetings where person id holds a registration
// that is not cancelled.
func (db *DB) RegisteredMeetings(ctx context.Context, id string) ([]string, error) {
	var ids []string
	err := db.reader(ctx).Model(&registrationRow{}).Distinct("meeting_id").
		Where("person_id = ? AND status <> ?", id, string(meeting.Cancelled)).Order("meeting_id").Pluck("meeting_id", &ids).Error
	return ids, dbError(err)
}
