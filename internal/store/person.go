package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

type personRow struct {
	ID                string
	Name              string
	Email             *string
	Phone             *string
	Position          string
	Languages         jsonColumn[[]string]
	Search            string
	PublicProfile     bool
	ConsentRecordedAt *time.Time
	ConsentRecordedBy string
	Contact           bool
	ErasedAt          *time.Time
	Version           int
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"`
}

func (personRow) TableName() string { return "people" }

// personColumns are what scanPerson reads, in its order.
const personColumns = `id, name, email, phone, position, languages, public_profile, consent_recorded_at, consent_recorded_by,
	erased_at, version, created_at, updated_at, contact`

// scanPerson reads one row of personColumns without reflection.
func scanPerson(rows *sql.Rows, r *personRow) error {
	return rows.Scan(&r.ID, &r.Name, &r.Email, &r.Phone, &r.Position, &r.Languages, &r.PublicProfile, &r.ConsentRecordedAt,
		&r.ConsentRecordedBy, &r.ErasedAt, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.Contact)
}

type membershipRow struct {
	ID             string
	PersonID       string
	OrganisationID string
	Role           string
	FromDate       *time.Time
	ToDate         *time.Time
	Position       int
}

func (membershipRow) TableName() string { return "memberships" }

// membershipView is a membership with its organisation's code and name.
type membershipView struct {
	PersonID       string
	OrganisationID string
	Role           string
	FromDate       *time.Time
	ToDate         *time.Time
	Code           string
	Name           string
}

type consentRow struct {
	ID            string
	PersonID      string
	PublicProfile bool
	Contact       bool
	RecordedAt    time.Time
	RecordedBy    string
}

func (consentRow) TableName() string { return "consent_records" }

func toPersonRow(p person.Person) personRow {
	r := personRow{ID: p.ID, Name: p.Name, Email: nullString(p.Email), Phone: nullString(p.Phone), Position: p.Position,
		Languages: jsonOf(nonNil(p.Languages)), Search: searchText(p.Name, p.Position), PublicProfile: p.Consent.PublicProfile, ConsentRecordedBy: p.Consent.RecordedBy,
		Contact: p.Consent.Contact, Version: int(p.Version), CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	if !p.Consent.RecordedAt.IsZero() {
		t := p.Consent.RecordedAt.UTC()
		r.ConsentRecordedAt = &t
	}
	return r
}

func (r personRow) domain(ms []person.Membership) person.Person {
	p := person.Person{ID: r.ID, Name: r.Name, Email: stringValue(r.Email), Phone: stringValue(r.Phone), Position: r.Position,
		Languages: r.Languages.V, Memberships: ms, Erased: r.ErasedAt != nil, Version: domain.Version(r.Version),
		Consent:   person.Consent{PublicProfile: r.PublicProfile, Contact: r.Contact, RecordedBy: r.ConsentRecordedBy},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ConsentRecordedAt != nil {
		p.Consent.RecordedAt = r.ConsentRecordedAt.UTC()
	}
	return p
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var personKeyset = keyset{
	columns: map[string]sortColumn{
		"name": {expr: map[Dialect]string{SQLite: "name", Postgres: "name"},
			value: func(r any) any { return r.(personRow).Name }},
		"createdAt": {expr: map[Dialect]string{SQLite: "created_at", Postgres: "created_at"}, isTime: true,
			value: func(r any) any { return r.(personRow).CreatedAt }},
	},
	id: func(r any) string { return r.(personRow).ID },
}

// ListPeople returns one page of people that are not erased, as far as the
// filter's visibility allows.
func (db *DB) ListPeople(ctx context.Context, q person.Query) (domain.Page[person.Person], error) {
	f := q.Filter
	tx := db.reader(ctx).Table("people").Select(personColumns).Where("erased_at IS NULL")
	if !f.All {
		conds, args := []string{"public_profile = ?"}, []any{true}
		if f.FullOrganisation != "" {
			conds = append(conds, "EXISTS (SELECT 1 FROM memberships v WHERE v.person_id = people.id AND v.organisation_id = ?"+
				" AND (v.from_date IS NULL OR v.from_date <= ?) AND (v.to_date IS NULL OR v.to_date >= ?))")
			args = append(args, f.FullOrganisation, f.Today, f.Today)
		}
		if f.PersonID != "" {
			conds = append(conds, "id = ?")
			args = append(args, f.PersonID)
		}
		tx = tx.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if f.OrganisationID != "" || f.Role != "" {
		cond, args := "EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = people.id", []any{}
		if f.OrganisationID != "" {
			cond += " AND m.organisation_id = ?"
			args = append(args, f.OrganisationID)
		}
		if f.Role != "" {
			cond += " AND m.role = ?"
			args = append(args, string(f.Role))
		}
		tx = tx.Where(cond+")", args...)
	}
	if f.Role != "" && !f.All {
		// Roles show only in full views, so filtering by one may not reveal
		// the role of someone the caller sees only in public.
		full, args := []string{}, []any{}
		if f.FullOrganisation != "" {
			full = append(full, "EXISTS (SELECT 1 FROM memberships w WHERE w.person_id = people.id AND w.organisation_id = ?"+
				" AND (w.from_date IS NULL OR w.from_date <= ?) AND (w.to_date IS NULL OR w.to_date >= ?))")
			args = append(args, f.FullOrganisation, f.Today, f.Today)
		}
		if f.PersonID != "" {
			full = append(full, "id = ?")
			args = append(args, f.PersonID)
		}
		if len(full) == 0 {
			full = append(full, "1 = 0")
		}
		tx = tx.Where("("+strings.Join(full, " OR ")+")", args...)
	}
	if f.Q != "" {
		tx = tx.Where(`search LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	tx, since := updatedSince(tx, "people.updated_at", f.UpdatedSince)
	fp := fingerprint(append([]any{"people", f.OrganisationID, f.Role, f.Q, f.All, f.FullOrganisation, f.PersonID, q.Sort}, since...)...)
	tx, err := personKeyset.apply(tx, db.dialect, q.Sort, q.Cursor, fp)
	if err != nil {
		return domain.Page[person.Person]{}, err
	}
	rows, next, err := readPageWith(tx, personKeyset, q.Sort, fp, q.PageSize, false, scanPerson)
	if err != nil {
		return domain.Page[person.Person]{}, err
	}
	page := domain.Page[person.Person]{Next: next}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	ms, err := db.memberships(ctx, ids)
	if err != nil {
		return domain.Page[person.Person]{}, err
	}
	page.Items = make([]person.Person, len(rows))
	for i, r := range rows {
		page.Items[i] = r.domain(ms[r.ID])
	}
	return page, nil
}

// memberships loads the memberships of several people in one query.
func (db *DB) memberships(ctx context.Context, personIDs []string) (map[string][]person.Membership, error) {
	out := map[string][]person.Membership{}
	if len(personIDs) == 0 {
		return out, nil
	}
	var rows []membershipView
	err := db.reader(ctx).Table("memberships AS m").
		Select("m.person_id, m.organisation_id, m.role, m.from_date, m.to_date, o.code AS code, o.name AS name").
		Joins("JOIN organisations o ON o.id = m.organisation_id").
		Where("m.person_id IN ?", personIDs).Order("m.person_id, m.position").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	for _, r := range rows {
		out[r.PersonID] = append(out[r.PersonID], person.Membership{OrganisationID: r.OrganisationID, OrganisationCode: r.Code,
			OrganisationName: r.Name, Role: person.Role(r.Role), From: dateValue(r.FromDate), To: dateValue(r.ToDate)})
	}
	return out, nil
}

// GetPerson returns the person, erased or not.
func (db *DB) GetPerson(ctx context.Context, id string) (person.Person, error) {
	var row personRow
	if err := db.reader(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return person.Person{}, notFound(err, "no person with id %q", id)
	}
	ms, err := db.memberships(ctx, []string{id})
	if err != nil {
		return person.Person{}, err
	}
	return row.domain(ms[id]), nil
}

// CreatePerson inserts p and its memberships.
func (db *DB) CreatePerson(ctx context.Context, p person.Person, c domain.Change) error {
	row := toPersonRow(p)
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := emailTaken(db.create(ctx, &row, c)); err != nil {
			return err
		}
		return db.writeMemberships(ctx, p)
	})
}

// UpdatePerson writes p over its previous version and replaces its memberships.
func (db *DB) UpdatePerson(ctx context.Context, p person.Person, c domain.Change) error {
	row := toPersonRow(p)
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := emailTaken(db.update(ctx, &row, p.ID, c)); err != nil {
			return err
		}
		if err := db.writer(ctx).Where("person_id = ?", p.ID).Delete(&membershipRow{}).Error; err != nil {
			return dbError(err)
		}
		return db.writeMemberships(ctx, p)
	})
}

func (db *DB) writeMemberships(ctx context.Context, p person.Person) error {
	if len(p.Memberships) == 0 {
		return nil
	}
	rows := make([]membershipRow, len(p.Memberships))
	for i, m := range p.Memberships {
		rows[i] = membershipRow{ID: uuid.Must(uuid.NewV7()).String(), PersonID: p.ID, OrganisationID: m.OrganisationID,
			Role: string(m.Role), FromDate: datePtr(m.From), ToDate: datePtr(m.To), Position: i}
	}
	return dbError(db.writer(ctx).Create(&rows).Error)
}

func emailTaken(err error) error {
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "another person has this email address",
			Fields: []domain.FieldError{{Name: "email", Reason: "is already registered for another person"}}}
	}
	return err
}

// RecordConsent writes the person's new consent and adds it to the history.
func (db *DB) RecordConsent(ctx context.Context, p person.Person, c domain.Change) error {
	row := toPersonRow(p)
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.update(ctx, &row, p.ID, c); err != nil {
			return err
		}
		return dbError(db.writer(ctx).Create(&consentRow{ID: uuid.Must(uuid.NewV7()).String(), PersonID: p.ID,
			PublicProfile: p.Consent.PublicProfile, Contact: p.Consent.Contact, RecordedAt: p.Consent.RecordedAt.UTC(), RecordedBy: p.Consent.RecordedBy}).Error)
	})
}

// ConsentHistory lists recorded consents, newest first.
func (db *DB) ConsentHistory(ctx context.Context, id string) ([]person.Consent, error) {
	var rows []consentRow
	if err := db.reader(ctx).Where("person_id = ?", id).Order("recorded_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]person.Consent, len(rows))
	for i, r := range rows {
		out[i] = person.Consent{PublicProfile: r.PublicProfile, Contact: r.Contact, RecordedAt: r.RecordedAt.UTC(), RecordedBy: r.RecordedBy}
	}
	return out, nil
}

// LinkedUsers lists the user accounts of a person.
func (db *DB) LinkedUsers(ctx context.Context, personID string) ([]person.LinkedUser, error) {
	var rows []userRow
	if err := db.reader(ctx).Where("person_id = ?", personID).Order("id").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]person.LinkedUser, len(rows))
	for i, r := range rows {
		out[i] = person.LinkedUser{ID: r.ID, Email: r.Email, Role: domain.Role(r.Role)}
	}
	return out, nil
}

// ErasePerson blanks every personal field, deletes the person's user
// accounts, mail log and any kept POST response that names the person, in one
// transaction; memberships and consent records keep their shape.
func (db *DB) ErasePerson(ctx context.Context, p person.Person, c domain.Change) error {
	now := c.At.UTC()
	row := personRow{ID: p.ID, Languages: jsonOf([]string{}), ErasedAt: &now, Version: c.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: now}
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.update(ctx, &row, p.ID, c); err != nil {
			return err
		}
		w := db.writer(ctx)
		if err := w.Where("person_id = ?", p.ID).Delete(&userRow{}).Error; err != nil {
			return dbError(err)
		}
		// The mail log: an erased person is mailed nothing more, and a mail
		// server's error may quote the address.
		if err := w.Where("person_id = ?", p.ID).Delete(&mailMessageRow{}).Error; err != nil {
			return dbError(err)
		}
		return dbError(w.Where("body LIKE ?", "%"+p.ID+"%").Delete(&idempotencyRow{}).Error)
	})
}

// Scrub makes deleted data unrecoverable from the database files: on SQLite
// (secure_delete is on) it truncates the write-ahead log, which still holds
// old page images; on PostgreSQL it vacuums the tables with personal data.
//
// It is best effort after the erasure has committed, so it returns nothing
// for the request to fail on: when readers (a long export, a backup) hold the
// log, or the attempt fails, it logs the failure and tries again in the
// background rather than keep the writer, and the request, waiting.
func (db *DB) Scrub(ctx context.Context) {
	done, err := db.scrubOnce(ctx)
	if done {
		return
	}
	db.logScrubError(ctx, err)
	db.goBackground(func(ctx context.Context) {
		for wait := time.Second; wait <= 5*time.Minute; wait *= 2 {
			select {
			case <-ctx.Done():
				return // closing the last connection checkpoints the log
			case <-time.After(wait):
			}
			done, err := db.scrubOnce(ctx)
			if done {
				return
			}
			db.logScrubError(ctx, err)
		}
		if db.log != nil {
			db.log.Error("erased data may remain in the database files: scrubbing kept failing; it clears at the next checkpoint or vacuum")
		}
	})
}

// scrubOnce tries to scrub once; it reports whether it did.
func (db *DB) scrubOnce(ctx context.Context) (bool, error) {
	if db.dialect == Postgres {
		err := db.write.WithContext(ctx).Exec("VACUUM people, users, idempotency_keys, memberships").Error
		return err == nil, dbError(err)
	}
	return db.checkpoint(ctx)
}

// logScrubError logs a failed attempt to scrub, unless it failed because its
// context ended (a request gone, the store closing), which is no fault.
func (db *DB) logScrubError(ctx context.Context, err error) {
	if err == nil || db.log == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return
	}
	db.log.Error("scrubbing erased data failed; trying again", "error", err)
}

// checkpoint truncates SQLite's write-ahead log, holding the writer for at
// most a second; it reports whether the log was free.
func (db *DB) checkpoint(ctx context.Context) (bool, error) {
	if c := db.checkpoints; c != nil {
		// Not beside the checkpointer's (see checkpointer), and waited for
		// before taking the writer, which every write needs.
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	sqlDB, err := db.write.DB()
	if err != nil {
		return false, dbError(err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return false, dbError(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 1000"); err != nil {
		return false, dbError(err)
	}
	defer conn.ExecContext(context.Background(), "PRAGMA busy_timeout = 10000")
	var busy, logFrames, checkpointed int
	begin, query := time.Now(), "PRAGMA wal_checkpoint(TRUNCATE)"
	if err := db.slow.row(ctx, begin, query, conn.QueryRowContext(ctx, query)).Scan(&busy, &logFrames, &checkpointed); err != nil {
		return false, dbError(err)
	}
	return busy == 0, nil
}
