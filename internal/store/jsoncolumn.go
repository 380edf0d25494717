package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"unicode/utf8"
)

// jsonColumn is a TEXT column that holds V as JSON. It is the one way the
// store keeps structured values in a column: encoding and decoding errors are
// returned, so a corrupt row fails its read (an internal error) instead of
// reading back as empty data. A nil pointer V is stored as NULL, and NULL
// reads back as the zero V.
type jsonColumn[T any] struct{ V T }

// jsonOf wraps v for a JSON column.
func jsonOf[T any](v T) jsonColumn[T] { return jsonColumn[T]{V: v} }

// Value encodes V as JSON text; text, not bytes, so SQLite keeps the column's
// TEXT affinity and the stored value stays what it always was.
func (j jsonColumn[T]) Value() (driver.Value, error) {
	if rv := reflect.ValueOf(&j.V).Elem(); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	data, err := json.Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("encode %T column: %w", j.V, err)
	}
	return string(data), nil
}

// Scan decodes a JSON text column into V.
func (j *jsonColumn[T]) Scan(src any) error {
	var zero T
	j.V = zero
	var data []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		data = []byte(s)
	case []byte:
		data = s
	default:
		return fmt.Errorf("decode %T column: got %T, want JSON text", j.V, src)
	}
	if strs, ok := any(&j.V).(*[]string); ok {
		// The most common structured column (tags, scopes) read in one
		// pass when it is simple, such as the empty list of most rows.
		if v, ok := stringList(data); ok {
			*strs = v
			return nil
		}
	}
	if d, ok := any(&j.V).(**detailsJSON); ok {
		// Every meeting's details, read in one pass when json.Marshal
		// wrote them.
		if v, ok := plainDetails(data); ok {
			*d = v
			return nil
		}
	}
	if err := json.Unmarshal(data, &j.V); err != nil {
		j.V = zero
		return fmt.Errorf("decode %T column: %w", j.V, err)
	}
	return nil
}

// GormDataType tells GORM the column's type without calling Value on a zero V.
func (jsonColumn[T]) GormDataType() string { return "text" }

// stringList reads a JSON array of strings written without spaces or
// escapes, as json.Marshal writes one of plain text, as json.Unmarshal
// would read it; ok is false for anything else (left to json.Unmarshal,
// which also reports what is wrong with it).
func stringList(data []byte) (v []string, ok bool) {
	p := plainJSON{data: data}
	if !p.is('[') {
		return nil, false
	}
	v = []string{} // [] reads as an empty list, not nil
	if p.is(']') {
		return v, p.end()
	}
	for {
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		v = append(v, s)
		if p.is(']') {
			return v, p.end()
		}
		if !p.is(',') {
			return nil, false
		}
	}
}

// plainJSON reads JSON as json.Marshal writes it: no spaces, strings
// without escapes. Its readers return false for anything else, which the
// caller leaves to json.Unmarshal (which also reports what is wrong).
type plainJSON struct {
	data []byte
	i    int
}

// is consumes c when it comes next.
func (p *plainJSON) is(c byte) bool {
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// literal consumes s when it comes next.
func (p *plainJSON) literal(s string) bool {
	if len(p.data)-p.i >= len(s) && string(p.data[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// str reads a string without escapes, control characters or invalid UTF-8.
func (p *plainJSON) str() (string, bool) {
	if !p.is('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			s := p.data[start:p.i]
			p.i++
			return string(s), utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// object reads an object, calling value for each key to read its value.
func (p *plainJSON) object(value func(key string) bool) bool {
	if !p.is('{') {
		return false
	}
	if p.is('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok || !p.is(':') || !value(key) {
			return false
		}
		if p.is('}') {
			return true
		}
		if !p.is(',') {
			return false
		}
	}
}

// end reports whether everything was read.
func (p *plainJSON) end() bool { return p.i == len(p.data) }
