package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func (r auditRow) domain() audit.Entry {
	return audit.Entry{ID: r.ID, Seq: r.Seq, At: r.At.UTC(), Actor: audit.ActorOf(r.Actor), Resource: r.Resource,
		ResourceID: r.ResourceID, Action: domain.Action(r.Action), Fields: nonNil(r.Fields.V), RequestID: r.RequestID}
}

// seqCursor is where a page of the audit log resumes: before entry Seq, for
// the filters the fingerprint names. The log pages on seq alone, which is
// unique and indexed.
type seqCursor struct {
	Fingerprint string `json:"f"`
	Seq         int64  `json:"s"`
}

func (c seqCursor) encode() (string, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(data), nil
}

func decodeSeqCursor(encoded, fp string) (seqCursor, error) {
	var c seqCursor
	data, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil || json.Unmarshal(data, &c) != nil || c.Fingerprint != fp || c.Seq <= 0 {
		return seqCursor{}, (domain.Problems{{Name: "cursor", Reason: "is not a cursor from this list with these filters; start again without it"}}).Err()
	}
	return c, nil
}

// ListAuditEvents returns one page of the audit log, newest first.
func (db *DB) ListAuditEvents(ctx context.Context, q audit.Query) (domain.Page[audit.Entry], error) {
	f := q.Filter
	tx := auditFilter(db.reader(ctx).Model(&auditRow{}), f)
	fp := fingerprint("audit_events", f.Resource, f.ResourceID, f.Actor, f.From.UTC().Format(time.RFC3339Nano), f.To.UTC().Format(time.RFC3339Nano))
	if q.Cursor != "" {
		c, err := decodeSeqCursor(q.Cursor, fp)
		if err != nil {
			return domain.Page[audit.Entry]{}, err
		}
		tx = tx.Where("seq < ?", c.Seq)
	}
	if q.PageSize <= 0 {
		return domain.Page[audit.Entry]{}, fmt.Errorf("list audit events: page size %d; ask for at least 1 row", q.PageSize)
	}
	tx = tx.Order("seq DESC").Limit(q.PageSize + 1)
	var rows []auditRow
	if err := tx.Find(&rows).Error; err != nil {
		return domain.Page[audit.Entry]{}, dbError(err)
	}
	var page domain.Page[audit.Entry]
	if len(rows) > q.PageSize {
		rows = rows[:q.PageSize]
		next, err := seqCursor{Fingerprint: fp, Seq: rows[len(rows)-1].Seq}.encode()
		if err != nil {
			return domain.Page[audit.Entry]{}, err
		}
		page.Next = next
	}
	page.Items = make([]audit.Entry, len(rows))
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// EachAuditEvent calls fn for every entry f selects, newest first (see
// eachRow for the statements that read them), continuing after the last
// seq read.
func (db *DB) EachAuditEvent(ctx context.Context, f audit.Filter, fn func(audit.Entry) error) error {
	query := func(cursor string) (*gormDB, error) {
		tx := auditFilter(db.reader(ctx).Model(&auditRow{}), f).Order("seq DESC")
		if cursor != "" {
			seq, err := strconv.ParseInt(cursor, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("export audit log: resume after %q: %w", cursor, err)
			}
			tx = tx.Where("seq < ?", seq)
		}
		return tx, nil
	}
	next := func(r *auditRow) (string, error) { return strconv.FormatInt(r.Seq, 10), nil }
	scanner := db.reader(ctx).Model(&auditRow{})
	scan := func(rows *sql.Rows, r *auditRow) error { return scanner.ScanRows(rows, r) }
	return eachRow(ctx, db, query, next, scan, func(r *auditRow) error { return fn(r.domain()) })
}

// auditFilter adds f's conditions to tx.
func auditFilter(tx *gormDB, f audit.Filter) *gormDB {
	if f.Resource != "" {
		tx = tx.Where("resource = ?", f.Resource)
	}
	if f.ResourceID != "" {
		tx = tx.Where("resource_id = ?", f.ResourceID)
	}
	if f.Actor != "" {
		tx = tx.Where("actor = ?", f.Actor)
	}
	if !f.From.IsZero() {
		tx = tx.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		tx = tx.Where("at < ?", f.To.UTC())
	}
	return tx
}

// PurgeAuditEvents deletes up to limit of the oldest entries recorded before
// cutoff, in one short statement.
func (db *DB) PurgeAuditEvents(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res := db.writer(ctx).Exec(`DELETE FROM audit_events WHERE seq IN
		(SELECT seq FROM audit_events WHERE at < ? ORDER BY at, seq LIMIT ?)`, cutoff.UTC(), limit)
	if res.Error != nil {
		return 0, dbError(res.Error)
	}
	return int(res.RowsAffected), nil
}
