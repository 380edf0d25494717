package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
)

type publicationRow struct {
	ID          string
	Kind        string
	Title       string
	URL         string `gorm:"column:url"`
	PublishedOn time.Time
	Summary     string
	Language    string
	Licence     string
	Topics      jsonColumn[[]string]
	Example     bool
	Search      string
	Version     int
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (publicationRow) TableName() string { return "publications" }

type publicationMeetingRow struct {
	PublicationID string
	MeetingID     string
}

func (publicationMeetingRow) TableName() string { return "publication_meetings" }

// publicationView is a row of the union of publications and meeting reports.
type publicationView struct {
	ID           string
	Kind         string
	Title        string
	URL          string `gorm:"column:url"`
	PublishedOn  dbTime
	Summary      string
	Language     string
	Licence      string
	Topics       jsonColumn[[]string]
	Example      bool
	Version      int
	CreatedAt    dbTime
	UpdatedAt    dbTime
	MeetingID    string
	MeetingTopic string
}

// allPublications is every publication: the publications table and, read
// from their meetings, the meeting reports not retracted.
const allPublications = `SELECT id, kind, title, url, published_on, summary, language, licence, topics, example, version,
	created_at, updated_at, '' AS meeting_id, '' AS meeting_topic, search FROM publications
UNION ALL
SELECT r.publication_id, 'meeting-report', 'Report: ' || m.title, r.url, r.published_on, r.summary, r.language, r.licence, '[]',
	m.example, m.version, r.created_at, r.updated_at, m.id, m.topic, m.search || ' ' || r.search
FROM meeting_reports r JOIN meetings m ON m.id = r.meeting_id
WHERE r.retracted_at IS NULL`

var publicationKeyset = keyset{
	columns: map[string]sortColumn{
		"publishedOn": {expr: map[Dialect]string{SQLite: "p.published_on", Postgres: "p.published_on"}, isTime: true,
			value: func(r any) any { return r.(publicationView).PublishedOn.Time }},
	},
	idExpr: "p.id",
	id:     func(r any) string { return r.(publicationView).ID },
}

func (db *DB) publicationQuery(ctx context.Context) *gormDB {
	return db.reader(ctx).Table("(?) AS p", db.reader(ctx).Raw(allPublications)).Select(`p.id, p.kind, p.title, p.url,
	p.published_on, p.summary, p.language, p.licence, p.topics, p.example, p.version, p.created_at, p.updated_at,
	p.meeting_id, p.meeting_topic`)
}

// scanPublicationView reads one row of publicationQuery without reflection.
func scanPublicationView(rows *sql.Rows, v *publicationView) error {
	return rows.Scan(&v.ID, &v.Kind, &v.Title, &v.URL, &v.PublishedOn, &v.Summary, &v.Language, &v.Licence, &v.Topics,
		&v.Example, &v.Version, &v.CreatedAt, &v.UpdatedAt, &v.MeetingID, &v.MeetingTopic)
}

// ListPublications returns one page of publications, newest first.
func (db *DB) ListPublications(ctx context.Context, q publication.Query) (domain.Page[publication.Publication], error) {
	tx, sort, fp, err := db.publicationList(db.publicationQuery(ctx), q)
	if err != nil {
		return domain.Page[publication.Publication]{}, err
	}
	rows, next, err := readPageWith(tx, publicationKeyset, sort, fp, q.PageSize, false, scanPublicationView)
	if err != nil {
		return domain.Page[publication.Publication]{}, err
	}
	page := domain.Page[publication.Publication]{Next: next}
	items, err := db.publications(ctx, rows)
	page.Items = items
	return page, err
}

// EachPublication calls fn for every publication q selects, newest first
// (see eachRow for the statements that read them); their meetings are read
// for inChunk rows at a time, while the next rows are read (see eachBatch).
func (db *DB) EachPublication(ctx context.Context, q publication.Query, fn func(publication.Publication) error) error {
	var (
		sort []domain.SortKey
		fp   string
	)
	query := func(cursor string) (*gormDB, error) {
		q.Cursor = cursor
		tx, s, f, err := db.publicationList(db.publicationQuery(ctx), q)
		sort, fp = s, f
		return tx, err
	}
	next := func(v *publicationView) (string, error) { return publicationKeyset.next(sort, *v, fp) }
	return eachBatch(ctx, db, query, next, scanPublicationView, func(held []publicationView) error {
		items, err := db.publications(ctx, held)
		if err != nil {
			return err
		}
		for _, p := range items {
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// publicationList adds q's filters, order and cursor to tx.
func (db *DB) publicationList(tx *gormDB, q publication.Query) (*gormDB, []domain.SortKey, string, error) {
	f := q.Filter
	if f.Kind != "" {
		tx = tx.Where("p.kind = ?", string(f.Kind))
	}
	if f.MeetingID != "" {
		tx = tx.Where("(p.meeting_id = ? OR EXISTS (SELECT 1 FROM publication_meetings pm WHERE pm.publication_id = p.id AND pm.meeting_id = ?))", f.MeetingID, f.MeetingID)
	}
	if !f.From.IsZero() {
		tx = tx.Where("p.published_on >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		tx = tx.Where("p.published_on < ?", f.To.UTC())
	}
	if f.Q != "" {
		tx = tx.Where(`p.search LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	sort := []domain.SortKey{{Field: "publishedOn", Descending: true}}
	tx, since := updatedSince(tx, "p.updated_at", f.UpdatedSince)
	fp := fingerprint(append([]any{"publications", f.Kind, f.MeetingID, f.Q, f.From.String(), f.To.String()}, since...)...)
	tx, err := publicationKeyset.apply(tx, db.dialect, sort, q.Cursor, fp)
	return tx, sort, fp, err
}

// GetPublication returns a publication or a meeting report by id.
func (db *DB) GetPublication(ctx context.Context, id string) (publication.Publication, error) {
	rows, err := scanAll(db.publicationQuery(ctx).Where("p.id = ?", id), scanPublicationView)
	if err != nil {
		return publication.Publication{}, err
	}
	if len(rows) == 0 {
		return publication.Publication{}, domain.Errorf(domain.CodeNotFound, "no publication with id %q", id)
	}
	items, err := db.publications(ctx, rows)
	if err != nil {
		return publication.Publication{}, err
	}
	return items[0], nil
}

// publications maps rows, loading related meetings in one query.
func (db *DB) publications(ctx context.Context, rows []publicationView) ([]publication.Publication, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	related := map[string][]string{}
	if len(ids) > 0 {
		var links []publicationMeetingRow
		if err := db.reader(ctx).Where("publication_id IN ?", ids).Order("meeting_id").Find(&links).Error; err != nil {
			return nil, dbError(err)
		}
		for _, l := range links {
			related[l.PublicationID] = append(related[l.PublicationID], l.MeetingID)
		}
	}
	out := make([]publication.Publication, len(rows))
	for i, r := range rows {
		p := publication.Publication{ID: r.ID, Kind: publication.Kind(r.Kind), Title: r.Title, URL: r.URL,
			PublishedOn: dateValue(ptrTime(r.PublishedOn.Time)), Summary: r.Summary, Language: r.Language, Licence: r.Licence,
			Meetings: related[r.ID], Example: r.Example, Version: domain.Version(r.Version),
			CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time, Topics: r.Topics.V}
		if r.MeetingID != "" {
			p.Meetings = []string{r.MeetingID}
			p.Topics = []string{r.MeetingTopic}
		}
		if p.Meetings == nil {
			p.Meetings = []string{}
		}
		if p.Topics == nil {
			p.Topics = []string{}
		}
		out[i] = p
	}
	return out, nil
}

func toPublicationRow(p publication.Publication) publicationRow {
	return publicationRow{ID: p.ID, Kind: string(p.Kind), Title: p.Title, URL: p.URL, PublishedOn: p.PublishedOn.UTC(),
		Summary: p.Summary, Language: p.Language, Licence: p.Licence, Topics: jsonOf(nonNil(p.Topics)), Example: p.Example,
		Search: searchText(p.Title, p.Summary), Version: int(p.Version), CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

// CreatePublication inserts p and its meeting links.
func (db *DB) CreatePublication(ctx context.Context, p publication.Publication, c domain.Change) error {
	row := toPublicationRow(p)
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.create(ctx, &row, c); err != nil {
			return err
		}
		return db.linkMeetings(ctx, p)
	})
}

// UpdatePublication writes p over its previous version.
func (db *DB) UpdatePublication(ctx context.Context, p publication.Publication, c domain.Change) error {
	row := toPublicationRow(p)
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.update(ctx, &row, p.ID, c); err != nil {
			return err
		}
		if err := db.writer(ctx).Where("publication_id = ?", p.ID).Delete(&publicationMeetingRow{}).Error; err != nil {
			return dbError(err)
		}
		return db.linkMeetings(ctx, p)
	})
}

func (db *DB) linkMeetings(ctx context.Context, p publication.Publication) error {
	if len(p.Meetings) == 0 {
		return nil
	}
	links := make([]publicationMeetingRow, len(p.Meetings))
	for i, m := range p.Meetings {
		links[i] = publicationMeetingRow{PublicationID: p.ID, MeetingID: m}
	}
	return dbError(db.writer(ctx).Create(&links).Error)
}

// DeletePublication removes p.
func (db *DB) DeletePublication(ctx context.Context, p publication.Publication, c domain.Change) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.writer(ctx).Where("publication_id = ?", p.ID).Delete(&publicationMeetingRow{}).Error; err != nil {
			return dbError(err)
		}
		return db.remove(ctx, &publicationRow{}, p.ID, c)
	})
}

// MeetingsExist returns the ids that name no meeting.
func (db *DB) MeetingsExist(ctx context.Context, ids []string) ([]string, error) {
	var found []string
	if err := db.reader(ctx).Model(&meetingRow{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return nil, dbError(err)
	}
	var missing []string
	for _, id := range ids {
		if !slices.Contains(found, id) {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// dbTime is a time column of a subquery: SQLite loses the column's declared
// type there and hands the time over as text, which Scan parses. A value it
// cannot read fails the read rather than becoming the zero time.
type dbTime struct{ time.Time }

func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	default:
		return fmt.Errorf("read time: got %T", src)
	}
}

// Value and GormDataType make it a column type to GORM, which reads a
// struct without them as a relation.
func (t dbTime) Value() (driver.Value, error) { return t.Time, nil }

func (dbTime) GormDataType() string { return "time" }

func (t *dbTime) parse(s string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.DateOnly} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("read time: %q is not a time", s)
}

func ptrTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
