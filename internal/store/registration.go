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
		r := v.Row
		reg := meeting.Registration{ID: r.ID, MeetingID: r.MeetingID, PersonID: r.PersonID, PersonName: v.PersonName,
			PersonErased: v.ErasedAt != nil, Status: meeting.RegistrationStatus(r.Status), Attended: r.Attended,
			RegisteredAt: r.RegisteredAt.UTC(), RegisteredBy: r.RegisteredBy}
		for _, m := range ms[r.PersonID] {
			reg.OrganisationIDs = append(reg.OrganisationIDs, m.OrganisationID)
		}
		out[i] = reg
	}
	return out, nil
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
