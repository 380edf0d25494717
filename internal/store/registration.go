package store

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
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
		// Members now, as ListPeople judges them: who left is no longer the
		// organisation's to see.
		tx = tx.Where(`g.person_id IN (SELECT person_id FROM memberships v WHERE v.organisation_id = ?
			AND (v.from_date IS NULL OR v.from_date <= ?) AND (v.to_date IS NULL OR v.to_date >= ?))`, q.OrganisationID, q.Today, q.Today)
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

// RegisteredMeetings lists the meetings where person id holds a registration
// that is not cancelled.
func (db *DB) RegisteredMeetings(ctx context.Context, id string) ([]string, error) {
	var ids []string
	err := db.reader(ctx).Model(&registrationRow{}).Distinct("meeting_id").
		Where("person_id = ? AND status <> ?", id, string(meeting.Cancelled)).Order("meeting_id").Pluck("meeting_id", &ids).Error
	return ids, dbError(err)
}
