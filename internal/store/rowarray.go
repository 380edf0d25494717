package store

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/pioniersnetwerk/pioniers/internal/jsonstring"
)

// rowArray scans many columns that SQLite hands over as one: a JSON array
// of their values (json_array(a, b, …)). mattn/go-sqlite3 crosses into C two
// or three times per column of every row and copies every text, which on
// an export of a wide table costs more than SQLite's own work; one array is
// a few crossings and one copy a row. Each element goes where its column
// would have gone: to a *string, *int64 or *bool, to one of the store's
// column scanners, or to any sql.Scanner as the driver's value (a string for
// text, an int64 for an integer, a float64 for a real, nil for NULL). A
// JSON column selected as json(col) is nested in the array as it is, and
// reaches its scanner as text, unescaped by nobody. A NULL instead of the
// array (the columns of a row a LEFT JOIN did not find) is NULL for each.
type rowArray []any

func (a rowArray) Scan(src any) error {
	if src == nil {
		for n, dst := range a {
			if err := (arrayItem{kind: 'n'}).assign(dst); err != nil {
				return fmt.Errorf("scan NULL into a row array, value %d: %w", n, err)
			}
		}
		return nil
	}
	s, ok := src.(string)
	if !ok {
		if b, isBytes := src.([]byte); isBytes {
			s, ok = string(b), true
		}
	}
	if !ok {
		return fmt.Errorf("scan %T into a row array", src)
	}
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return fmt.Errorf("scan %.20q into a row array: not a JSON array", s)
	}
	i, n := 1, 0
	for i < len(s)-1 {
		if n == len(a) {
			return fmt.Errorf("scan into a row array: more than %d values", len(a))
		}
		v, end, err := arrayValue(s, i)
		if err == nil {
			err = v.assign(a[n])
		}
		if err != nil {
			return fmt.Errorf("scan into a row array, value %d: %w", n, err)
		}
		n++
		i = end
		if i == len(s) {
			return fmt.Errorf("scan into a row array: unterminated")
		}
		if s[i] == ',' && i+1 < len(s)-1 {
			i++
		} else if s[i] != ']' {
			return fmt.Errorf("scan into a row array: %q after value %d", s[i], n-1)
		}
	}
	if n != len(a) {
		return fmt.Errorf("scan into a row array: got %d values; want %d", n, len(a))
	}
	return nil
}

// arrayItem is one value of a row array, unboxed.
type arrayItem struct {
	kind byte // 's' text, 'j' nested JSON (as text), 'i' integer, 'f' real, 'n' NULL
	text string
	i    int64
	f    float64
}

// arrayValue reads the value at s[i], and where it ends. Text without
// escapes, and nested JSON, is a part of s, not a copy.
func arrayValue(s string, i int) (arrayItem, int, error) {
	switch c := s[i]; {
	case c == '"':
		end, escaped, err := stringEnd(s, i)
		if err != nil {
			return arrayItem{}, 0, err
		}
		if !escaped {
			return arrayItem{kind: 's', text: s[i+1 : end-1]}, end, nil
		}
		b, err := jsonstring.AppendUnquoted(make([]byte, 0, end-i), s[i:end])
		if err != nil {
			return arrayItem{}, 0, err
		}
		return arrayItem{kind: 's', text: string(b)}, end, nil
	case c == '[' || c == '{':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				end, _, err := stringEnd(s, j)
				if err != nil {
					return arrayItem{}, 0, err
				}
				j = end - 1
			case '[', '{':
				depth++
			case ']', '}':
				if depth--; depth == 0 {
					return arrayItem{kind: 'j', text: s[i : j+1]}, j + 1, nil
				}
			}
		}
		return arrayItem{}, 0, fmt.Errorf("unterminated %q", c)
	case c == 'n':
		if strings.HasPrefix(s[i:], "null") {
			return arrayItem{kind: 'n'}, i + 4, nil
		}
	case c == '-' || ('0' <= c && c <= '9'):
		j := i + 1
		for j < len(s) && s[j] != ',' && s[j] != ']' {
			j++
		}
		lit := s[i:j]
		if strings.ContainsAny(lit, ".eE") {
			f, err := strconv.ParseFloat(lit, 64)
			return arrayItem{kind: 'f', f: f}, j, err
		}
		n, err := strconv.ParseInt(lit, 10, 64)
		return arrayItem{kind: 'i', i: n}, j, err
	}
	return arrayItem{}, 0, fmt.Errorf("unexpected %q", s[i])
}

// stringEnd returns the index after the JSON string at s[i], and whether
// it holds an escape.
func stringEnd(s string, i int) (end int, escaped bool, err error) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped, nil
		}
	}
	return 0, false, fmt.Errorf("unterminated string")
}

// value is the item as the driver would hand it over.
func (it arrayItem) value() any {
	switch it.kind {
	case 's', 'j':
		return it.text
	case 'i':
		return it.i
	case 'f':
		return it.f
	}
	return nil
}

// assign puts the item where dst says, without boxing it for the store's
// own scanners.
func (it arrayItem) assign(dst any) error {
	want := func(kind byte) error {
		if it.kind != kind {
			return fmt.Errorf("scan %T into %T", it.value(), dst)
		}
		return nil
	}
	switch d := dst.(type) {
	case *string:
		if err := want('s'); err != nil {
			return err
		}
		*d = it.text
	case *int64:
		if err := want('i'); err != nil {
			return err
		}
		*d = it.i
	case *bool:
		if it.kind != 'i' || (it.i != 0 && it.i != 1) {
			return fmt.Errorf("scan %v into bool", it.value())
		}
		*d = it.i == 1
	case nullText:
		if it.kind == 'n' {
			*d.p = nil
			return nil
		}
		if err := want('s'); err != nil {
			return err
		}
		t := it.text
		*d.p = &t
	case intColumn:
		if err := want('i'); err != nil {
			return err
		}
		*d.p = int(it.i)
	case nullInt:
		if it.kind == 'n' {
			*d.p = nil
			return nil
		}
		if err := want('i'); err != nil {
			return err
		}
		n := int(it.i)
		*d.p = &n
	case sqliteTime:
		if it.kind == 's' {
			*d.p = storedText(it.text)
			return nil
		}
		return d.Scan(it.value())
	case nullSQLiteTime:
		if it.kind == 's' {
			t := storedText(it.text)
			*d.p = &t
			return nil
		}
		return d.Scan(it.value())
	case sql.Scanner:
		return d.Scan(it.value())
	default:
		return fmt.Errorf("scan into %T: not supported", dst)
	}
	return nil
}
