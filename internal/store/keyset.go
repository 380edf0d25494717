package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// sortColumn maps an API sort field to a SQL expression and says how its
// values travel in a cursor.
type sortColumn struct {
	expr   map[Dialect]string
	isTime bool
	// value returns the row's value of the expression, for the next cursor.
	value func(row any) any
}

// keyset pages a list by the values of its sort keys instead of OFFSET, so
// every page costs the same and rows inserted meanwhile are neither skipped
// nor repeated. The id is the final tie-breaker.
type keyset struct {
	columns map[string]sortColumn
	idExpr  string // the id column as the query names it; "id" when empty
	id      func(row any) string
}

type cursor struct {
	Fingerprint string `json:"f"`
	Values      []any  `json:"v"`
	ID          string `json:"i"`
}

// apply adds ORDER BY and, for a cursor, the WHERE that starts after it. The
// fingerprint ties a cursor to the filters and sort it was made for.
func (k keyset) apply(db *gorm.DB, dialect Dialect, sort []domain.SortKey, encoded, fingerprint string) (*gorm.DB, error) {
	// The id breaks ties in the direction of the last key, so that when every
	// key runs one way the cursor condition is a single row comparison, which
	// both SQLite and PostgreSQL answer from an index.
	idDesc := len(sort) > 0 && sort[len(sort)-1].Descending
	exprs := make([]string, 0, len(sort)+1)
	var order []string
	uniform := true
	for _, s := range sort {
		expr := k.columns[s.Field].expr[dialect]
		exprs = append(exprs, expr)
		order = append(order, expr+direction(s.Descending))
		uniform = uniform && s.Descending == idDesc
	}
	idExpr := k.idExpr
	if idExpr == "" {
		idExpr = "id"
	}
	exprs = append(exprs, idExpr)
	order = append(order, idExpr+direction(idDesc))
	db = db.Order(strings.Join(order, ", "))
	if encoded == "" {
		return db, nil
	}
	c, err := k.decode(sort, encoded, fingerprint)
	if err != nil {
		return nil, err
	}
	values := append(append([]any{}, c.Values...), c.ID)
	if uniform {
		op := ">"
		if idDesc {
			op = "<"
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")
		return db.Where("("+strings.Join(exprs, ", ")+") "+op+" ("+marks+")", values...), nil
	}
	// (a > x) OR (a = x AND b < y) OR (a = x AND b = y AND id > z)
	descending := make([]bool, 0, len(exprs))
	for _, s := range sort {
		descending = append(descending, s.Descending)
	}
	descending = append(descending, idDesc)
	var ors []string
	var args []any
	for i := range exprs {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, exprs[j]+" = ?")
			args = append(args, values[j])
		}
		op := ">"
		if descending[i] {
			op = "<"
		}
		ands = append(ands, exprs[i]+" "+op+" ?")
		args = append(args, values[i])
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return db.Where("("+strings.Join(ors, " OR ")+")", args...), nil
}

func direction(desc bool) string {
	if desc {
		return " DESC"
	}
	return " ASC"
}

// next encodes the cursor that continues after row.
func (k keyset) next(sort []domain.SortKey, row any, fingerprint string) (string, error) {
	c := cursor{Fingerprint: fingerprint, ID: k.id(row)}
	for _, s := range sort {
		v := k.columns[s.Field].value(row)
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339Nano)
		}
		c.Values = append(c.Values, v)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(data), nil
}

func (k keyset) decode(sort []domain.SortKey, encoded, fingerprint string) (cursor, error) {
	bad := func() error {
		return (domain.Problems{{Name: "cursor", Reason: "is not a cursor from this list with these filters and sort; start again without it"}}).Err()
	}
	data, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return cursor{}, bad()
	}
	var c cursor
	if err := json.Unmarshal(data, &c); err != nil || c.Fingerprint != fingerprint || len(c.Values) != len(sort) || !plain(c.ID) {
		return cursor{}, bad()
	}
	for i, s := range sort {
		str, ok := c.Values[i].(string)
		if !ok || (str != "" && !plain(str)) {
			return cursor{}, bad()
		}
		if k.columns[s.Field].isTime {
			t, err := time.Parse(time.RFC3339Nano, str)
			if err != nil {
				return cursor{}, bad()
			}
			c.Values[i] = t.UTC()
		}
	}
	return c, nil
}

// plain reports whether a cursor value is non-empty UTF-8 without NUL, as
// every value this service puts in a cursor is.
func plain(s string) bool {
	return s != "" && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// fingerprint hashes whatever defines a list: its filters and sort. Pass
// values, not pointers: %#v prints a pointer's address.
func fingerprint(parts ...any) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%#v", parts)))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// updatedSince keeps the rows whose column is at or after t (all when t is
// zero), and returns what ties a cursor to that: nothing when unset, so that
// cursors issued before the filter existed stay valid.
func updatedSince(tx *gorm.DB, column string, t time.Time) (*gorm.DB, []any) {
	if t.IsZero() {
		return tx, nil
	}
	return tx.Where(column+" >= ?", t.UTC()), []any{"updatedSince", t.UTC().String()}
}

// searchText is what q searches: the fields, lowercased in Go so that
// case-insensitive search works beyond ASCII on every database.
func searchText(fields ...string) string {
	return strings.ToLower(strings.Join(fields, "\n"))
}

// likePattern escapes q, lowercased, for LIKE and wraps it in wildcards.
func likePattern(q string) string { return containing(strings.ToLower(q)) }

// containing escapes s for LIKE ... ESCAPE '\' and wraps it in wildcards.
func containing(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// readPage reads one page of tx's rows in k's order. It asks for one row more
// than the page holds, to learn whether another page follows, and returns the
// cursor that continues after the last row kept. all reads every row unpaged;
// without it a size below 1 is a caller's bug, refused rather than read as
// "no limit".
func readPage[R any](tx *gorm.DB, k keyset, sort []domain.SortKey, fp string, size int, all bool) ([]R, string, error) {
	return readPageWith[R](tx, k, sort, fp, size, all, nil)
}

// readPageWith is readPage with rows read by scan instead of GORM's
// reflection (nil: by GORM), for the lists read most.
func readPageWith[R any](tx *gorm.DB, k keyset, sort []domain.SortKey, fp string, size int, all bool, scan func(*sql.Rows, *R) error) ([]R, string, error) {
	if !all {
		if size <= 0 {
			return nil, "", fmt.Errorf("read page: page size %d; ask for at least 1 row or for all", size)
		}
		tx = tx.Limit(size + 1)
	}
	var rows []R
	if scan == nil {
		if err := tx.Scan(&rows).Error; err != nil {
			return nil, "", dbError(err)
		}
	} else {
		var err error
		if rows, err = scanAll(tx, scan); err != nil {
			return nil, "", err
		}
	}
	if all || len(rows) <= size {
		return rows, "", nil
	}
	rows = rows[:size]
	next, err := k.next(sort, rows[len(rows)-1], fp)
	if err != nil {
		return nil, "", err
	}
	return rows, next, nil
}

// scanAll runs tx's query and reads every row with scan.
func scanAll[R any](tx *gorm.DB, scan func(*sql.Rows, *R) error) (out []R, err error) {
	st := rowsOf(tx, "")
	defer func() { st.done(len(out), err) }() // once the rows are closed
	rows, err := st.rows()
	if err != nil {
		return nil, dbError(err)
	}
	defer rows.Close()
	for rows.Next() {
		out = append(out, *new(R))
		if err := scan(rows, &out[len(out)-1]); err != nil {
			return nil, dbError(err)
		}
	}
	return out, dbError(rows.Err())
}

// countBy counts the rows of table per value of column, for the given
// values, in one grouped query: what a page shows of each of its items,
// instead of a correlated COUNT per row. table and column are the caller's
// constants, never input.
func (db *DB) countBy(ctx context.Context, table, column string, values []string) (map[string]int, error) {
	counts := make(map[string]int, len(values))
	if len(values) == 0 {
		return counts, nil
	}
	err := inChunks(values, func(part []string) (err error) {
		query := "SELECT " + column + ", COUNT(*) FROM " + table + " WHERE " + column + " IN ? GROUP BY " + column
		st := rowsOf(db.reader(ctx).Raw(query, part), query)
		defer func() { st.done(-1, err) }() // once the rows are closed
		rows, err := st.rows()
		if err != nil {
			return dbError(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				key string
				n   int
			)
			if err := rows.Scan(&key, &n); err != nil {
				return dbError(err)
			}
			counts[key] = n
		}
		return dbError(rows.Err())
	})
	return counts, err
}

// inChunk is how many values one IN list holds: a whole list (every
// meeting, for the calendar) would pass the databases' limits on bound
// parameters (32,766 on SQLite, 65,535 on PostgreSQL).
const inChunk = 500

// inChunks calls fn with values in parts of at most inChunk.
func inChunks(values []string, fn func(part []string) error) error {
	for len(values) > 0 {
		n := min(len(values), inChunk)
		if err := fn(values[:n]); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}
