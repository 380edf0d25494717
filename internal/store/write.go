package store

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// changeRow is a domain.Change as stored.
type changeRow struct {
	ID         string
	Resource   string
	ResourceID string
	Action     string
	Actor      string
	Fields     jsonColumn[[]string]
	Version    int
	At         time.Time
	Seq        int64
	RequestID  string
}

func (changeRow) TableName() string { return "change_events" }

// auditRow is a change as the audit log keeps it (see migration 0007).
type auditRow struct {
	ID         string
	Seq        int64
	At         time.Time
	Actor      string
	Resource   string
	ResourceID string
	Action     string
	Fields     jsonColumn[[]string]
	RequestID  string
}

func (auditRow) TableName() string { return "audit_events" }

func toChangeRow(c domain.Change) changeRow {
	return changeRow{ID: uuid.Must(uuid.NewV7()).String(), Resource: c.Resource, ResourceID: c.ResourceID,
		Action: string(c.Action), Actor: c.Actor, Fields: jsonOf(nonNil(c.Fields)), Version: c.Version, At: c.At.UTC()}
}

// The one write path: every create, update and delete of a versioned row goes
// through writeRecorded, which runs the change and records its event in one
// transaction. Updates and deletes match the version the caller read (a
// compare-and-swap), so a concurrent writer is refused rather than overwritten.

// create inserts row and records c.
func (db *DB) create(ctx context.Context, row any, c domain.Change) error {
	return db.writeRecorded(ctx, c, func(tx *gorm.DB) error {
		return tx.Create(row).Error
	})
}

// update writes every column of row where its id matches and the stored
// version is c.Version-1, and records c.
func (db *DB) update(ctx context.Context, row any, id string, c domain.Change) error {
	return db.writeRecorded(ctx, c, func(tx *gorm.DB) error {
		return swapUpdate(tx, row, "id", id, c)
	})
}

// remove deletes the row of model's table with id at version c.Version-1, and records c.
func (db *DB) remove(ctx context.Context, model any, id string, c domain.Change) error {
	return db.writeRecorded(ctx, c, func(tx *gorm.DB) error {
		return swapDelete(tx, model, id, c)
	})
}

// writeRecorded runs fn and records c, both in one transaction (joining the
// one in ctx, if any): either both are kept or neither is.
func (db *DB) writeRecorded(ctx context.Context, c domain.Change, fn func(tx *gorm.DB) error) error {
	cr := toChangeRow(c)
	cr.RequestID = domain.RequestIDFrom(ctx)
	return db.InTx(ctx, func(ctx context.Context) error {
		tx := db.writer(ctx)
		if err := fn(tx); err != nil {
			return dbError(err)
		}
		return db.recordChange(tx, &cr)
	})
}

// recordChange keeps cr in the change feed and the audit log, numbered in
// commit order. On SQLite it comes last in the transaction, the one writer's,
// and numbers cr itself. On PostgreSQL the number is left to the commit
// (migration 0015), which locks the counter row for the commit alone: the
// rows go in without it, in one statement, one round trip. Its statements
// are the same for every write, so they skip GORM and run as prepared
// statements.
func (db *DB) recordChange(tx *gorm.DB, cr *changeRow) error {
	if db.dialect == Postgres {
		return db.translated(db.slow.exec(tx, pgRecordChange, cr.ID, cr.Resource, cr.ResourceID, cr.Action, cr.Actor, cr.Fields,
			cr.Version, cr.At, cr.RequestID))
	}
	if err := db.slow.queryRow(tx, nextSeq).Scan(&cr.Seq); err != nil {
		return db.translated(err)
	}
	if err := db.slow.exec(tx, insertChange, cr.ID, cr.Resource, cr.ResourceID, cr.Action, cr.Actor, cr.Fields,
		cr.Version, cr.At, cr.Seq, cr.RequestID); err != nil {
		return db.translated(err)
	}
	return db.translated(db.slow.exec(tx, insertAudit, cr.ID, cr.Seq, cr.At, cr.Actor, cr.Resource, cr.ResourceID, cr.Action,
		cr.Fields, cr.RequestID))
}

const (
	nextSeq      = "UPDATE change_sequence SET last = last + 1 WHERE id = 1 RETURNING last"
	insertChange = "INSERT INTO change_events (id, resource, resource_id, action, actor, fields, version, at, seq, request_id) " +
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	insertAudit = "INSERT INTO audit_events (id, seq, at, actor, resource, resource_id, action, fields, request_id) " +
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	pgRecordChange = `WITH c AS (INSERT INTO change_events (id, resource, resource_id, action, actor, fields, version, at, request_id)
  VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::integer, $8::timestamptz, $9::text))
INSERT INTO audit_events (id, at, actor, resource, resource_id, action, fields, request_id)
  VALUES ($1::text, $8::timestamptz, $5::text, $2::text, $3::text, $4::text, $6::text, $9::text)`
)

// preparedStatement is an insert written out once for both dialects.
type preparedStatement struct {
	columns          []string
	sqlite, postgres string
}

// insertStatement is the insert of every named column of table.
func insertStatement(table string, columns ...string) preparedStatement {
	st := statementOf("INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(columns)-1) + ")")
	st.columns = columns
	return st
}

// statementOf is query, written with ? placeholders, for both dialects.
func statementOf(query string) preparedStatement {
	return preparedStatement{sqlite: query, postgres: numbered(query)}
}

// text is st as this database's dialect writes it.
func (db *DB) text(st preparedStatement) string {
	if db.dialect == Postgres {
		return st.postgres
	}
	return st.sqlite
}

// execPrepared runs st with args in tx, as a statement prepared once per
// connection, its error as GORM would report it.
func (db *DB) execPrepared(tx *gorm.DB, st preparedStatement, args ...any) error {
	return db.translated(db.slow.exec(tx, db.text(st), args...))
}

// translated is err as GORM reports a statement's error (see translator),
// for statements run without GORM.
func (db *DB) translated(err error) error {
	if err == nil {
		return nil
	}
	if t, ok := db.write.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	return dbError(err)
}

// swapUpdate writes every column of row where key names it and the stored
// version is c.Version-1; otherwise it is a precondition failure.
func swapUpdate(tx *gorm.DB, row any, keyColumn string, key any, c domain.Change) error {
	return swapped(tx.Model(row).Where(keyColumn+" = ? AND version = ?", key, c.Version-1).Select("*").Updates(row), c)
}

// swapDelete deletes the row of model's table with id at version c.Version-1.
func swapDelete(tx *gorm.DB, model any, id string, c domain.Change) error {
	return swapped(tx.Where("id = ? AND version = ?", id, c.Version-1).Delete(model), c)
}

func swapped(res *gorm.DB, c domain.Change) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.CodePreconditionFailed, "the %s changed while this request ran; read it again", c.Resource)
	}
	return nil
}

// Changes returns the recorded changes of one resource, oldest first.
func (db *DB) Changes(ctx context.Context, resource, id string) ([]domain.Change, error) {
	var rows []changeRow
	if err := db.reader(ctx).Where("resource = ? AND resource_id = ?", resource, id).Order("id").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]domain.Change, len(rows))
	for i, r := range rows {
		out[i] = domain.Change{Resource: r.Resource, ResourceID: r.ResourceID, Action: domain.Action(r.Action),
			Actor: r.Actor, Fields: r.Fields.V, Version: r.Version, At: r.At.UTC()}
	}
	return out, nil
}
