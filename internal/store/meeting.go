package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

type meetingRow struct {
	ID                   string
	Sequence             *int
	Title                string
	Topic                string
	Description          string
	Tags                 jsonColumn[[]string]
	Format               string
	Details              jsonColumn[*detailsJSON]
	CaseOwnerID          *string
	StartsAt             time.Time
	EndsAt               time.Time
	TimeZone             string
	VenueName            *string
	VenueAddress         string
	VenueCity            string
	VenueHostID          *string
	OnlineURL            string `gorm:"column:online_url"`
	GuestChairID         *string
	Capacity             int
	RegistrationOpensAt  *time.Time
	RegistrationClosesAt *time.Time
	Status               string
	CancellationReason   string
	Example              bool
	Search               string
	Version              int
	CreatedAt            time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt            time.Time `gorm:"autoUpdateTime:false"`
}

func (meetingRow) TableName() string { return "meetings" }

// meetingView is a meeting row with what it refers to, read in one query.
type meetingView struct {
	Row             meetingRow `gorm:"embedded"` // named: gorm skips unexported embedded types
	CaseOwnerCode   *string
	CaseOwnerName   *string
	VenueHostCode   *string
	VenueHostName   *string
	GuestChairCode  *string
	GuestChairName  *string
	ReportPubID     *string
	ReportURL       *string
	ReportOn        *time.Time
	ReportSummary   *string
	ReportLanguage  *string
	ReportLicence   *string
	ReportCreatedAt *time.Time
	ReportUpdatedAt *time.Time
	ReportVersion   *int
	ReportNote      *string
	ReportRetracted *time.Time
	ReportReason    *string
	RegisteredCount int
	WaitlistCount   int
	AttendedCount   int
	NoShowCount     int
}

type reportRow struct {
	MeetingID        string `gorm:"primaryKey"`
	PublicationID    string
	URL              string `gorm:"column:url"`
	PublishedOn      time.Time
	Summary          string
	Language         string
	Licence          string
	Search           string
	Version          int
	RetractedAt      *time.Time
	RetractionReason string
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (reportRow) TableName() string { return "meeting_reports" }

// reportVersionRow is one version of a report as it was recorded.
type reportVersionRow struct {
	MeetingID        string `gorm:"primaryKey"`
	Version          int    `gorm:"primaryKey"`
	URL              string `gorm:"column:url"`
	PublishedOn      time.Time
	Summary          string
	Language         string
	Licence          string
	CorrectionNote   string
	RecordedAt       time.Time
	RecordedBy       string
	RetractedAt      *time.Time
	RetractionReason string
}

func (reportVersionRow) TableName() string { return "meeting_report_versions" }

// detailsJSON is the stored form of a meeting's format fields.
type detailsJSON struct {
	Format          string       `json:"format"`
	Experts         []expertJSON `json:"experts,omitempty"`
	Case            string       `json:"case,omitempty"`
	CallOpensOn     string       `json:"callOpensOn,omitempty"`
	CallClosesOn    string       `json:"callClosesOn,omitempty"`
	TownHall        string       `json:"townHall,omitempty"`
	OpenToResidents bool         `json:"openToResidents,omitempty"`
}

// expertJSON keeps the stored form independent of the domain type; decoding
// is case-insensitive, so rows written before it still read.
type expertJSON struct {
	Name        string `json:"name"`
	Affiliation string `json:"affiliation,omitempty"`
}

// plainDetails reads details as json.Marshal writes them, as
// json.Unmarshal would; ok is false for anything else (a key in another
// case, an unknown key, escapes, spaces), left to json.Unmarshal.
func plainDetails(data []byte) (d *detailsJSON, ok bool) {
	p := plainJSON{data: data}
	d = &detailsJSON{}
	str := func(s *string) bool {
		v, ok := p.str()
		*s = v
		return ok
	}
	ok = p.object(func(key string) bool {
		switch key {
		case "format":
			return str(&d.Format)
		case "case":
			return str(&d.Case)
		case "callOpensOn":
			return str(&d.CallOpensOn)
		case "callClosesOn":
			return str(&d.CallClosesOn)
		case "townHall":
			return str(&d.TownHall)
		case "openToResidents":
			if p.literal("true") {
				d.OpenToResidents = true
				return true
			}
			d.OpenToResidents = false
			return p.literal("false")
		case "experts":
			if !p.is('[') {
				return false
			}
			d.Experts = []expertJSON{}
			if p.is(']') {
				return true
			}
			for {
				var e expertJSON
				if !p.object(func(key string) bool {
					switch key {
					case "name":
						return str(&e.Name)
					case "affiliation":
						return str(&e.Affiliation)
					}
					return false
				}) {
					return false
				}
				d.Experts = append(d.Experts, e)
				if p.is(']') {
					return true
				}
				if !p.is(',') {
					return false
				}
			}
		}
		return false
	})
	return d, ok && p.end()
}

// meetingSelect names every column the read needs, in the order
// scanMeetingView reads them. Registration counts are not here: a
// correlated COUNT per row was most of a page's time; registrationCounts
// reads them for the whole page in one grouped query.
const meetingSelect = `m.id, m.sequence, m.title, m.topic, m.description, m.tags, m.format, m.details, m.case_owner_id,
	m.starts_at, m.ends_at, m.time_zone, m.venue_name, m.venue_address, m.venue_city, m.venue_host_id, m.online_url,
	m.guest_chair_id, m.capacity, m.registration_opens_at, m.registration_closes_at, m.status, m.cancellation_reason,
	m.example, m.version, m.created_at, m.updated_at,
	co.code, co.name, vh.code, vh.name, gc.code, gc.name,
	r.publication_id, r.url, r.published_on, r.summary, r.language, r.licence, r.created_at, r.updated_at,
	r.version, rv.correction_note, r.retracted_at, r.retraction_reason`

// meetingJoins are what meetingSelect reads besides the meeting.
var meetingJoins = []string{"LEFT JOIN organisations co ON co.id = m.case_owner_id",
	"LEFT JOIN organisations vh ON vh.id = m.venue_host_id",
	"LEFT JOIN organisations gc ON gc.id = m.guest_chair_id",
	"LEFT JOIN meeting_reports r ON r.meeting_id = m.id",
	"LEFT JOIN meeting_report_versions rv ON rv.meeting_id = r.meeting_id AND rv.version = r.version"}

func (db *DB) meetingQuery(ctx context.Context) *gormDB {
	return db.meetingQueryOf(ctx, meetingSelect)
}

// meetingQueryOf is meetingQuery selecting sel.
func (db *DB) meetingQueryOf(ctx context.Context, sel string) *gormDB {
	tx := db.reader(ctx).Table("meetings AS m").Select(sel)
	for _, j := range meetingJoins {
		tx = tx.Joins(j)
	}
	return tx
}

// meetingByID is one meeting with what it refers to and its registration
// counts (as registrationCounts counts them), in one statement: for one
// row, counts on the registrations' index cost less than a second query.
var meetingByID = "SELECT " + meetingSelect + `,
	(SELECT COUNT(*) FROM registrations g WHERE g.meeting_id = m.id AND g.status = 'registered'),
	(SELECT COUNT(*) FROM registrations g WHERE g.meeting_id = m.id AND g.status = 'waitlisted'),
	(SELECT COUNT(*) FROM registrations g WHERE g.meeting_id = m.id AND g.status = 'registered' AND g.attended),
	(SELECT COUNT(*) FROM registrations g WHERE g.meeting_id = m.id AND g.status = 'registered' AND NOT g.attended)
	FROM meetings AS m ` + strings.Join(meetingJoins, " ") + ` WHERE m.id = ?`

// scanMeetingView reads one row of meetingSelect without reflection.
func scanMeetingView(rows *sql.Rows, v *meetingView) error {
	var dest [meetingColumns]any // on the stack: a page scans many rows
	return rows.Scan(meetingDest(dest[:0], v)...)
}

// meetingColumns is how many columns meetingSelect names.
const meetingColumns = 45

// meetingDest appends where each column of meetingSelect goes to dst.
func meetingDest(dst []any, v *meetingView) []any {
	r := &v.Row
	return append(dst, &r.ID, &r.Sequence, &r.Title, &r.Topic, &r.Description, &r.Tags, &r.Format, &r.Details, &r.CaseOwnerID,
		&r.StartsAt, &r.EndsAt, &r.TimeZone, &r.VenueName, &r.VenueAddress, &r.VenueCity, &r.VenueHostID, &r.OnlineURL,
		&r.GuestChairID, &r.Capacity, &r.RegistrationOpensAt, &r.RegistrationClosesAt, &r.Status, &r.CancellationReason,
		&r.Example, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&v.CaseOwnerCode, &v.CaseOwnerName, &v.VenueHostCode, &v.VenueHostName, &v.GuestChairCode, &v.GuestChairName,
		&v.ReportPubID, &v.ReportURL, &v.ReportOn, &v.ReportSummary, &v.ReportLanguage, &v.ReportLicence,
		&v.ReportCreatedAt, &v.ReportUpdatedAt, &v.ReportVersion, &v.ReportNote, &v.ReportRetracted, &v.ReportReason)
}

// meetingExportSelect is meetingSelect for an export on SQLite, where the
// driver's work per column costs more than SQLite's per row: the meeting's
// columns are one, a JSON array (see rowArray), its tags and details nested
// in it as JSON, and so are the report's twelve, NULL for almost every
// meeting.
// meetingExportDest reads them without reflection.
const meetingExportSelect = `json_array(m.id, m.sequence, m.title, m.topic, m.description, json(m.tags), m.format, json(m.details), m.case_owner_id,
	m.starts_at, m.ends_at, m.time_zone, m.venue_name, m.venue_address, m.venue_city, m.venue_host_id, m.online_url,
	m.guest_chair_id, m.capacity, m.registration_opens_at, m.registration_closes_at, m.status, m.cancellation_reason,
	m.example, m.version, m.created_at, m.updated_at,
	co.code, co.name, vh.code, vh.name, gc.code, gc.name),
	CASE WHEN r.meeting_id IS NOT NULL THEN json_array(r.publication_id, r.url, r.published_on, r.summary, r.language,
	r.licence, r.created_at, r.updated_at, r.version, rv.correction_note, r.retracted_at, r.retraction_reason) END`

// meetingExportDest appends where each column of meetingExportSelect goes
// to dst.
func meetingExportDest(dst []any, v *meetingView) []any {
	r := &v.Row
	return append(dst, rowArray{&r.ID, nullInt{&r.Sequence}, &r.Title, &r.Topic, &r.Description, &r.Tags, &r.Format, &r.Details,
		nullText{&r.CaseOwnerID}, sqliteTime{&r.StartsAt}, sqliteTime{&r.EndsAt}, &r.TimeZone, nullText{&r.VenueName},
		&r.VenueAddress, &r.VenueCity, nullText{&r.VenueHostID}, &r.OnlineURL, nullText{&r.GuestChairID}, intColumn{&r.Capacity},
		nullSQLiteTime{&r.RegistrationOpensAt}, nullSQLiteTime{&r.RegistrationClosesAt}, &r.Status, &r.CancellationReason,
		&r.Example, intColumn{&r.Version}, sqliteTime{&r.CreatedAt}, sqliteTime{&r.UpdatedAt},
		nullText{&v.CaseOwnerCode}, nullText{&v.CaseOwnerName}, nullText{&v.VenueHostCode}, nullText{&v.VenueHostName},
		nullText{&v.GuestChairCode}, nullText{&v.GuestChairName}},
		rowArray{nullText{&v.ReportPubID}, nullText{&v.ReportURL}, nullSQLiteTime{&v.ReportOn}, nullText{&v.ReportSummary},
			nullText{&v.ReportLanguage}, nullText{&v.ReportLicence}, nullSQLiteTime{&v.ReportCreatedAt}, nullSQLiteTime{&v.ReportUpdatedAt},
			nullInt{&v.ReportVersion}, nullText{&v.ReportNote}, nullSQLiteTime{&v.ReportRetracted}, nullText{&v.ReportReason}})
}

// registrationCounts counts the registered and waitlisted registrations of
// each meeting in views, and the registered ones marked attended or not, in
// one grouped query, and sets them.
func (db *DB) registrationCounts(ctx context.Context, views []meetingView) error {
	if len(views) == 0 {
		return nil
	}
	at := make(map[string]*meetingView, len(views))
	ids := make([]string, len(views))
	for i := range views {
		ids[i] = views[i].Row.ID
		at[ids[i]] = &views[i]
	}
	return inChunks(ids, func(part []string) (err error) {
		st := rowsOf(db.reader(ctx).Raw(countRegistrations, part), countRegistrations)
		defer func() { st.done(-1, err) }() // once the rows are closed
		rows, err := st.rows()
		if err != nil {
			return dbError(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, status string
				attended   sql.NullBool
				n          int
			)
			if err := rows.Scan(&id, &status, &attended, &n); err != nil {
				return dbError(err)
			}
			v := at[id]
			switch {
			case v == nil:
			case status == string(meeting.Registered):
				v.RegisteredCount += n
				if attended.Valid && attended.Bool {
					v.AttendedCount += n
				} else if attended.Valid {
					v.NoShowCount += n
				}
			default:
				v.WaitlistCount += n
			}
		}
		return dbError(rows.Err())
	})
}

const countRegistrations = `SELECT meeting_id, status, attended, COUNT(*) FROM registrations
		WHERE meeting_id IN ? AND status IN ('registered', 'waitlisted') GROUP BY meeting_id, status, attended`

func toMeetingRow(m meeting.Meeting) meetingRow {
	r := meetingRow{ID: m.ID, Title: m.Title, Topic: m.Topic, Description: m.Description, Tags: jsonOf(nonNil(m.Tags)),
		Format: string(m.Format), StartsAt: m.StartsAt.UTC(), EndsAt: m.EndsAt.UTC(), TimeZone: m.TimeZone,
		OnlineURL: m.OnlineURL, Capacity: m.Capacity, Status: string(m.Status), CancellationReason: m.CancellationReason,
		Example: m.Example, Search: searchText(m.Title, m.Topic, m.Description), Version: int(m.Version),
		RegistrationOpensAt: nullTime(m.RegistrationOpensAt), RegistrationClosesAt: nullTime(m.RegistrationClosesAt),
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	if m.Sequence > 0 {
		r.Sequence = &m.Sequence
	}
	if d := m.Details; d != nil {
		experts := make([]expertJSON, len(d.Experts))
		for i, e := range d.Experts {
			experts[i] = expertJSON{Name: e.Name, Affiliation: e.Affiliation}
		}
		dj := detailsJSON{Format: string(d.Format), Experts: experts, Case: d.Case, TownHall: d.TownHall, OpenToResidents: d.OpenToResidents}
		if !d.CallOpensOn.IsZero() {
			dj.CallOpensOn, dj.CallClosesOn = d.CallOpensOn.Format(time.DateOnly), d.CallClosesOn.Format(time.DateOnly)
		}
		r.Details = jsonOf(&dj)
		r.CaseOwnerID = nullString(d.CaseOwner.ID)
	}
	if v := m.Venue; v != nil {
		r.VenueName, r.VenueAddress, r.VenueCity, r.VenueHostID = &v.Name, v.Address, v.City, nullString(v.Host.ID)
	}
	if m.GuestChair != nil {
		r.GuestChairID = nullString(m.GuestChair.ID)
	}
	return r
}

func (v meetingView) domain() (meeting.Meeting, error) {
	r := v.Row
	m := meeting.Meeting{ID: r.ID, Title: r.Title, Topic: r.Topic, Description: r.Description, Format: meeting.Format(r.Format),
		StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), TimeZone: r.TimeZone, OnlineURL: r.OnlineURL, Capacity: r.Capacity,
		Status: meeting.Status(r.Status), CancellationReason: r.CancellationReason, Example: r.Example,
		RegisteredCount: v.RegisteredCount, WaitlistCount: v.WaitlistCount, AttendedCount: v.AttendedCount, NoShowCount: v.NoShowCount,
		Version: domain.Version(r.Version), Tags: r.Tags.V, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		RegistrationOpensAt: timeValue(r.RegistrationOpensAt), RegistrationClosesAt: timeValue(r.RegistrationClosesAt)}
	if r.Sequence != nil {
		m.Sequence = *r.Sequence
	}
	if dj := r.Details.V; dj != nil {
		var experts []meeting.Expert
		for _, e := range dj.Experts {
			experts = append(experts, meeting.Expert{Name: e.Name, Affiliation: e.Affiliation})
		}
		d := &meeting.Details{Format: meeting.Format(dj.Format), Experts: experts, Case: dj.Case, TownHall: dj.TownHall,
			OpenToResidents: dj.OpenToResidents}
		var err error
		if d.CallOpensOn, err = optionalDate(dj.CallOpensOn); err != nil {
			return m, fmt.Errorf("meeting %s: call opens on: %w", r.ID, err)
		}
		if d.CallClosesOn, err = optionalDate(dj.CallClosesOn); err != nil {
			return m, fmt.Errorf("meeting %s: call closes on: %w", r.ID, err)
		}
		if r.CaseOwnerID != nil {
			d.CaseOwner = organisation.Ref{ID: *r.CaseOwnerID, Code: stringValue(v.CaseOwnerCode), Name: stringValue(v.CaseOwnerName)}
		}
		m.Details = d
	}
	if r.VenueName != nil {
		m.Venue = &meeting.Venue{Name: *r.VenueName, Address: r.VenueAddress, City: r.VenueCity}
		if r.VenueHostID != nil {
			m.Venue.Host = organisation.Ref{ID: *r.VenueHostID, Code: stringValue(v.VenueHostCode), Name: stringValue(v.VenueHostName)}
		}
	}
	if r.GuestChairID != nil {
		m.GuestChair = &organisation.Ref{ID: *r.GuestChairID, Code: stringValue(v.GuestChairCode), Name: stringValue(v.GuestChairName)}
	}
	if v.ReportPubID != nil {
		m.Report = &meeting.Report{PublicationID: *v.ReportPubID, URL: stringValue(v.ReportURL), PublishedOn: dateValue(v.ReportOn),
			Summary: stringValue(v.ReportSummary), Language: stringValue(v.ReportLanguage), Licence: stringValue(v.ReportLicence)}
		if v.ReportCreatedAt != nil {
			m.Report.CreatedAt, m.Report.UpdatedAt = v.ReportCreatedAt.UTC(), v.ReportUpdatedAt.UTC()
		}
		m.Report.Version, m.Report.CorrectionNote = 1, stringValue(v.ReportNote)
		if v.ReportVersion != nil {
			m.Report.Version = *v.ReportVersion
		}
		m.Report.RetractedAt, m.Report.RetractionReason = timeValue(v.ReportRetracted), stringValue(v.ReportReason)
	}
	return m, nil
}

// optionalDate parses a stored date; empty means none.
func optionalDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

var meetingKeyset = keyset{
	columns: map[string]sortColumn{
		"startsAt": {expr: map[Dialect]string{SQLite: "m.starts_at", Postgres: "m.starts_at"}, isTime: true,
			value: func(r any) any { return r.(meetingView).Row.StartsAt }},
	},
	idExpr: "m.id",
	id:     func(r any) string { return r.(meetingView).Row.ID },
}

// ListMeetings returns meetings in order of start, one page or all.
func (db *DB) ListMeetings(ctx context.Context, q meeting.Query) (domain.Page[meeting.Meeting], error) {
	tx, fp, err := db.meetingList(db.meetingQuery(ctx), q)
	if err != nil {
		return domain.Page[meeting.Meeting]{}, err
	}
	rows, next, err := readPageWith(tx, meetingKeyset, meetingSort(q), fp, q.PageSize, q.All, scanMeetingView)
	if err != nil {
		return domain.Page[meeting.Meeting]{}, err
	}
	if err := db.registrationCounts(ctx, rows); err != nil {
		return domain.Page[meeting.Meeting]{}, err
	}
	page := domain.Page[meeting.Meeting]{Next: next}
	page.Items = make([]meeting.Meeting, len(rows))
	for i, r := range rows {
		if page.Items[i], err = r.domain(); err != nil {
			return domain.Page[meeting.Meeting]{}, err
		}
	}
	if err := db.programmes(ctx, page.Items); err != nil {
		return domain.Page[meeting.Meeting]{}, err
	}
	return page, nil
}

func meetingSort(q meeting.Query) []domain.SortKey {
	return []domain.SortKey{{Field: "startsAt", Descending: q.Descending}}
}

func meetingFingerprint(q meeting.Query) string {
	f := q.Filter
	var since []any
	if !f.UpdatedSince.IsZero() { // as updatedSince says it
		since = []any{"updatedSince", f.UpdatedSince.UTC().String()}
	}
	return fingerprint(append([]any{"meetings", f.From.String(), f.To.String(), f.Status, f.Format, f.OrganisationID, f.GuestChairID, f.Q, q.Descending}, since...)...)
}

// meetingList adds q's filters, order and cursor to tx, and returns the
// fingerprint a cursor carries.
func (db *DB) meetingList(tx *gormDB, q meeting.Query) (*gormDB, string, error) {
	f := q.Filter
	if !f.From.IsZero() {
		tx = tx.Where("m.ends_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		tx = tx.Where("m.starts_at < ?", f.To.UTC())
	}
	if f.Status != "" {
		tx = tx.Where("m.status = ?", string(f.Status))
	}
	if f.Format != "" {
		tx = tx.Where("m.format = ?", string(f.Format))
	}
	if f.OrganisationID != "" {
		tx = tx.Where("(m.venue_host_id = ? OR m.guest_chair_id = ?)", f.OrganisationID, f.OrganisationID)
	}
	if f.GuestChairID != "" {
		tx = tx.Where("m.guest_chair_id = ?", f.GuestChairID)
	}
	if f.Q != "" {
		tx = tx.Where(`m.search LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	tx, _ = updatedSince(tx, "m.updated_at", f.UpdatedSince)
	fp := meetingFingerprint(q)
	tx, err := meetingKeyset.apply(tx, db.dialect, meetingSort(q), q.Cursor, fp)
	return tx, fp, err
}

// GetMeeting returns one meeting with what it refers to, from one
// statement read without reflection.
func (db *DB) GetMeeting(ctx context.Context, id string) (meeting.Meeting, error) {
	var v meetingView
	var dest [meetingColumns + 4]any
	err := db.queryRow(ctx, meetingByID, id).Scan(append(meetingDest(dest[:0], &v), &v.RegisteredCount, &v.WaitlistCount, &v.AttendedCount, &v.NoShowCount)...)
	if errors.Is(err, sql.ErrNoRows) {
		return meeting.Meeting{}, domain.Errorf(domain.CodeNotFound, "no meeting with id %q", id)
	}
	if err != nil {
		return meeting.Meeting{}, dbError(err)
	}
	m, err := v.domain()
	if err != nil {
		return meeting.Meeting{}, err
	}
	ms := []meeting.Meeting{m}
	err = db.programmes(ctx, ms)
	return ms[0], err
}

// LockMeeting reads the meeting for update, so that registrations for it are
// counted and given out one transaction at a time (SQLite's single writer
// does this by itself).
func (db *DB) LockMeeting(ctx context.Context, id string) (meeting.Meeting, error) {
	if db.dialect == Postgres {
		var row meetingRow
		if err := db.writer(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return meeting.Meeting{}, notFound(err, "no meeting with id %q", id)
		}
	}
	return db.GetMeeting(ctx, id)
}

// CreateMeeting inserts m.
func (db *DB) CreateMeeting(ctx context.Context, m meeting.Meeting, c domain.Change) error {
	row := toMeetingRow(m)
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.sequenceFree(ctx, m); err != nil {
			return err
		}
		return sequenceTaken(db.writeRecorded(ctx, c, func(tx *gorm.DB) error {
			return db.execPrepared(tx, insertMeeting, row.values()...)
		}), m)
	})
}

// insertMeeting inserts a meetingRow, its columns in the order of values:
// as one prepared statement rather than built by GORM from the row by
// reflection, which was a tenth of a POST's CPU time.
var insertMeeting = insertStatement("meetings", "id", "sequence", "title", "topic", "description", "tags", "format", "details",
	"case_owner_id", "starts_at", "ends_at", "time_zone", "venue_name", "venue_address", "venue_city", "venue_host_id",
	"online_url", "guest_chair_id", "capacity", "registration_opens_at", "registration_closes_at", "status",
	"cancellation_reason", "example", "search", "version", "created_at", "updated_at")

// values are r's columns in the order of insertMeeting.
func (r *meetingRow) values() []any {
	return []any{r.ID, r.Sequence, r.Title, r.Topic, r.Description, r.Tags, r.Format, r.Details,
		r.CaseOwnerID, r.StartsAt, r.EndsAt, r.TimeZone, r.VenueName, r.VenueAddress, r.VenueCity, r.VenueHostID,
		r.OnlineURL, r.GuestChairID, r.Capacity, r.RegistrationOpensAt, r.RegistrationClosesAt, r.Status,
		r.CancellationReason, r.Example, r.Search, r.Version, r.CreatedAt, r.UpdatedAt}
}

// UpdateMeeting writes m over its previous version.
func (db *DB) UpdateMeeting(ctx context.Context, m meeting.Meeting, c domain.Change) error {
	row := toMeetingRow(m)
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.sequenceFree(ctx, m); err != nil {
			return err
		}
		return sequenceTaken(db.update(ctx, &row, m.ID, c), m)
	})
}

// sequenceTaken names the sequence number in the conflict of two writers
// that crossed (PostgreSQL: both found it free, the unique index refused
// the second). Any other error, or none, passes as it is.
func sequenceTaken(err error, m meeting.Meeting) error {
	var de *domain.Error
	if m.Sequence == 0 || !errors.As(err, &de) || de.Message != duplicate {
		return err
	}
	return &domain.Error{Code: domain.CodeConflict, Message: fmt.Sprintf("another meeting has sequence number %d", m.Sequence),
		Fields: []domain.FieldError{{Name: "sequence", Reason: fmt.Sprintf("%d is taken by another meeting", m.Sequence)}}}
}

// sequenceFree refuses m's sequence number when another meeting has it; the
// unique index (meetings_sequence) holds against writers that cross.
func (db *DB) sequenceFree(ctx context.Context, m meeting.Meeting) error {
	if m.Sequence <= 0 {
		return nil
	}
	var other []string
	if err := db.writer(ctx).Model(&meetingRow{}).Where("sequence = ? AND id <> ?", m.Sequence, m.ID).Limit(1).Pluck("id", &other).Error; err != nil {
		return dbError(err)
	}
	if len(other) > 0 {
		return &domain.Error{Code: domain.CodeConflict, Message: fmt.Sprintf("meeting %s has sequence number %d", other[0], m.Sequence),
			Fields: []domain.FieldError{{Name: "sequence", Reason: fmt.Sprintf("%d is taken by meeting %s", m.Sequence, other[0])}}}
	}
	return nil
}

// DeleteMeeting removes m.
func (db *DB) DeleteMeeting(ctx context.Context, m meeting.Meeting, c domain.Change) error {
	return db.remove(ctx, &meetingRow{}, m.ID, c)
}

// PutReport writes the meeting's report, its version in the report's
// history (a retraction marks the version it retracts), and the meeting's
// new version.
func (db *DB) PutReport(ctx context.Context, m meeting.Meeting, c domain.Change) error {
	row := toMeetingRow(m)
	r := m.Report
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.update(ctx, &row, m.ID, c); err != nil {
			return err
		}
		retracted := nullTime(r.RetractedAt)
		rr := reportRow{MeetingID: m.ID, PublicationID: r.PublicationID, URL: r.URL, PublishedOn: r.PublishedOn, Summary: r.Summary,
			Language: r.Language, Licence: r.Licence, Search: searchText(r.Summary), Version: max(1, r.Version),
			RetractedAt: retracted, RetractionReason: r.RetractionReason, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		w := db.writer(ctx)
		if err := w.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "meeting_id"}}, UpdateAll: true}).Create(&rr).Error; err != nil {
			return dbError(err)
		}
		vr := reportVersionRow{MeetingID: m.ID, Version: rr.Version, URL: r.URL, PublishedOn: r.PublishedOn, Summary: r.Summary,
			Language: r.Language, Licence: r.Licence, CorrectionNote: r.CorrectionNote, RecordedAt: r.UpdatedAt.UTC(), RecordedBy: c.Actor,
			RetractedAt: retracted, RetractionReason: r.RetractionReason}
		// A version is written once; a retraction only marks it.
		return dbError(w.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "meeting_id"}, {Name: "version"}},
			DoUpdates: clause.AssignmentColumns([]string{"retracted_at", "retraction_reason"})}).Create(&vr).Error)
	})
}

// ReportVersions lists every version of a meeting's report, newest first.
func (db *DB) ReportVersions(ctx context.Context, meetingID string) ([]meeting.ReportVersion, error) {
	var rows []reportVersionRow
	if err := db.reader(ctx).Where("meeting_id = ?", meetingID).Order("version DESC").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]meeting.ReportVersion, len(rows))
	for i, r := range rows {
		out[i] = meeting.ReportVersion{Version: r.Version, URL: r.URL, PublishedOn: domain.Day(r.PublishedOn), Summary: r.Summary,
			Language: r.Language, Licence: r.Licence, CorrectionNote: r.CorrectionNote, RecordedAt: r.RecordedAt.UTC(),
			RecordedBy: r.RecordedBy, RetractedAt: timeValue(r.RetractedAt), RetractionReason: r.RetractionReason}
	}
	return out, nil
}
