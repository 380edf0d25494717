package httpapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	openapi_types "github.com/oapi-codegen/runtime/types"
)

// A row that is a struct (every exported resource is one of the contract's
// types) is laid out from its fields, by a plan made once per type, instead
// of encoded as JSON and read back: the cells are the ones the JSON gives,
// with no per-row encoding. What the plan cannot say exactly (a type with
// its own MarshalJSON such as a oneOf, a map, a float32, invalid UTF-8) is
// encoded as JSON on its own and read by the JSON reader, so that the
// cells stay the JSON's in every case; TestCSVRowSameCells holds them to it.

// structPlan is how a struct type's fields appear in its JSON.
type structPlan struct {
	fields []fieldPlan
	// viaJSON is set for a struct the plan cannot follow field by field
	// (embedded fields, or options such as ",string"): it goes through JSON.
	viaJSON bool
}

type fieldPlan struct {
	name      string
	index     int
	omitEmpty bool
}

var structPlans sync.Map // reflect.Type -> *structPlan

var (
	timeType = reflect.TypeFor[time.Time]()
	dateType = reflect.TypeFor[openapi_types.Date]()
	uuidType = reflect.TypeFor[openapi_types.UUID]()
	// numberType is a string that JSON writes as a number.
	numberType = reflect.TypeFor[json.Number]()
)

func planOf(t reflect.Type) *structPlan {
	if p, ok := structPlans.Load(t); ok {
		return p.(*structPlan)
	}
	p := &structPlan{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			p.viaJSON = true
			break
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fp := fieldPlan{name: name, index: i}
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "omitempty":
				fp.omitEmpty = true
			case "":
			default: // string, omitzero: JSON knows
				p.viaJSON = true
			}
		}
		p.fields = append(p.fields, fp)
	}
	structPlans.Store(t, p)
	return p
}

// addressable returns v as an addressable struct value, copied into a
// holder kept for its type, or the zero Value when v is no struct the plan
// can read.
func (e *csvEncoder) addressable(v any) reflect.Value {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface { // a row may come as *any
		if rv.IsNil() {
			return reflect.Value{}
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct || ownJSON(rv.Type()) || planOf(rv.Type()).viaJSON {
		return reflect.Value{}
	}
	if rv.CanAddr() {
		return rv
	}
	if e.holder.Kind() != reflect.Pointer || e.holder.Type().Elem() != rv.Type() {
		e.holder = reflect.New(rv.Type())
	}
	h := e.holder.Elem()
	h.Set(rv)
	return h
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// ownJSONTypes caches ownJSON: a type's method set is looked up once, not
// for every field of every row.
var ownJSONTypes sync.Map // reflect.Type -> bool

// ownJSON reports whether t's values encode themselves.
func ownJSON(t reflect.Type) bool {
	if own, ok := ownJSONTypes.Load(t); ok {
		return own.(bool)
	}
	own := t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)
	ownJSONTypes.Store(t, own)
	return own
}

// walk fills the cells of the columns under n from the struct v.
func (e *csvEncoder) walk(v reflect.Value, n *colNode) error {
	if t := v.Type(); n.boundType != t {
		n.boundType, n.bound = t, n.bound[:0]
		for _, f := range planOf(t).fields {
			if child := n.children[f.name]; child != nil {
				n.bound = append(n.bound, boundField{f, child})
			}
		}
	}
	for _, f := range n.bound {
		fv := v.Field(f.index)
		if f.omitEmpty && emptyValue(fv) {
			continue
		}
		if err := e.put(fv, f.node); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// put fills the cell of n (and those under it) from v, as the JSON reader
// does from v's JSON.
func (e *csvEncoder) put(v reflect.Value, n *colNode) error {
	if v.Kind() == reflect.Pointer {
		// As JSON writes a pointer: null, or what it points to, by the
		// pointer's own JSON if it has one (methods on the pointer
		// included). Times, dates and ids are written here directly, though
		// their pointers have their JSON too.
		if v.IsNil() {
			return e.null(n)
		}
		if t := v.Type().Elem(); t != timeType && t != dateType && t != uuidType && ownJSON(v.Type()) {
			return e.viaJSON(v, n)
		}
		v = v.Elem()
	}
	switch v.Type() {
	case timeType:
		if n.col >= 0 {
			start := len(e.arena)
			e.arena = v.Addr().Interface().(*time.Time).AppendFormat(e.arena, time.RFC3339Nano)
			e.set(n.col, start)
		}
		return nil
	case dateType:
		if n.col >= 0 {
			start := len(e.arena)
			e.arena = v.Addr().Interface().(*openapi_types.Date).AppendFormat(e.arena, openapi_types.DateFormat)
			e.set(n.col, start)
		}
		return nil
	case uuidType:
		if n.col >= 0 {
			start := len(e.arena)
			e.arena = appendUUID(e.arena, *v.Addr().Interface().(*openapi_types.UUID))
			e.set(n.col, start)
		}
		return nil
	}
	if n.col < 0 && n.children == nil {
		return nil
	}
	if ownJSON(v.Type()) || v.Type() == numberType {
		return e.viaJSON(v, n)
	}
	switch v.Kind() {
	case reflect.Pointer:
		return e.put(v, n) // a pointer to a pointer
	case reflect.String:
		s := v.String()
		if !utf8.ValidString(s) {
			return e.viaJSON(v, n)
		}
		if n.col >= 0 {
			start := len(e.arena)
			e.arena = append(e.arena, s...)
			e.set(n.col, start)
		}
		return nil
	case reflect.Bool:
		if n.col >= 0 {
			start := len(e.arena)
			e.arena = strconv.AppendBool(e.arena, v.Bool())
			e.set(n.col, start)
		}
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// As a float64, the way the JSON reader takes every number.
		return e.number(float64(v.Int()), n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return e.number(float64(v.Uint()), n)
	case reflect.Float64:
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return e.viaJSON(v, n) // JSON refuses it, and says why
		}
		return e.number(f, n)
	case reflect.Struct:
		if n.col >= 0 || planOf(v.Type()).viaJSON {
			return e.viaJSON(v, n) // the object itself is a column too
		}
		return e.walk(v, n)
	case reflect.Slice:
		if v.IsNil() {
			return e.null(n)
		}
		if v.Type().Elem().Kind() != reflect.String || ownJSON(v.Type().Elem()) || n.col < 0 {
			return e.viaJSON(v, n)
		}
		start := len(e.arena)
		for i := range v.Len() {
			s := v.Index(i).String()
			if !utf8.ValidString(s) {
				e.arena = e.arena[:start]
				return e.viaJSON(v, n)
			}
			if i > 0 {
				e.arena = append(e.arena, "; "...)
			}
			e.arena = append(e.arena, s...)
		}
		e.set(n.col, start)
		return nil
	default:
		return e.viaJSON(v, n)
	}
}

func (e *csvEncoder) number(f float64, n *colNode) error {
	if n.col >= 0 {
		start := len(e.arena)
		e.arena = strconv.AppendFloat(e.arena, f, 'f', -1, 64)
		e.set(n.col, start)
	}
	return nil
}

// null is a JSON null: an empty cell.
func (e *csvEncoder) null(n *colNode) error {
	if n.col >= 0 {
		e.set(n.col, len(e.arena))
	}
	return nil
}

// viaJSON encodes v on its own, as the row's JSON would hold it, and reads
// that.
func (e *csvEncoder) viaJSON(v reflect.Value, n *colNode) error {
	e.js.Reset()
	if err := e.je.Encode(v.Interface()); err != nil {
		return err
	}
	data := e.js.Bytes()
	data = data[:len(data)-1] // the newline Encode adds
	_, err := e.value(data, 0, n)
	return err
}

// emptyValue is encoding/json's test for omitempty.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// appendUUID writes u as its text form, without the allocation of String.
func appendUUID(b []byte, u openapi_types.UUID) []byte {
	const hexDigits = "0123456789abcdef"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}
