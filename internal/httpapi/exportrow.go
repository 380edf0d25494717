package httpapi

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/pioniersnetwerk/pioniers/internal/jsonstring"
)

// A CSV row is the row's JSON laid out in columns: nested objects as dotted
// names, string arrays joined with "; ", other arrays and objects as JSON.
// The columns become a tree once per export, and each row's JSON is read
// once against it, its cells written into one reused buffer, so that a row
// costs a few allocations instead of a map and a value per field.

// colNode is one step of a dotted column name.
type colNode struct {
	children map[string]*colNode
	col      int // the column this path is, or -1
	// The fields of the struct type last walked at this node that have
	// columns under it, so that a row looks up no names (see walk).
	boundType reflect.Type
	bound     []boundField
}

// boundField is a struct field that has columns under node.
type boundField struct {
	fieldPlan
	node *colNode
}

// csvEncoder writes rows of one table as CSV.
type csvEncoder struct {
	out    *bufio.Writer
	w      *csv.Writer
	root   *colNode
	header []string
	bom    bool
	wrote  bool // the header is out

	js    bytes.Buffer  // the row as JSON
	je    *json.Encoder // writes into js
	cells [][2]int      // each column's cell as [start, end) in arena; start < 0 for none
	arena []byte
	row   []string
	dups  [][2]int // [column, the first column of that name]

	holder reflect.Value // a *T the row is copied into, so that its fields are addressable
}

func newCSVEncoder(out *bufio.Writer, t table, opts csvOptions) *csvEncoder {
	e := &csvEncoder{out: out, w: csv.NewWriter(out), root: &colNode{col: -1}, header: t.names(), bom: opts.bom}
	e.w.Comma = opts.comma
	for i, name := range e.header {
		n := e.root
		for part := range strings.SplitSeq(name, ".") {
			if n.children == nil {
				n.children = map[string]*colNode{}
			}
			next := n.children[part]
			if next == nil {
				next = &colNode{col: -1}
				n.children[part] = next
			}
			n = next
		}
		if n.col >= 0 {
			e.dups = append(e.dups, [2]int{i, n.col}) // a column named twice has the cell twice
			continue
		}
		n.col = i
	}
	e.je = json.NewEncoder(&e.js)
	e.cells = make([][2]int, len(e.header))
	e.row = make([]string, len(e.header))
	return e
}

// encode writes v as one row, after the header.
func (e *csvEncoder) encode(v any) error {
	if err := e.layout(v); err != nil {
		return err
	}
	if err := e.writeHeader(); err != nil {
		return err
	}
	return e.w.Write(e.row)
}

// end writes the header if no row did, and what is left.
func (e *csvEncoder) end() error {
	if err := e.writeHeader(); err != nil {
		return err
	}
	e.w.Flush()
	return e.w.Error()
}

func (e *csvEncoder) writeHeader() error {
	if e.wrote {
		return nil
	}
	e.wrote = true
	if e.bom {
		if _, err := e.out.WriteString(utf8BOM); err != nil {
			return err
		}
	}
	return e.w.Write(e.header)
}

// layout sets e.row to v's cells. A struct's fields are read by a plan
// made once per type (see walk); anything else goes through its JSON.
func (e *csvEncoder) layout(v any) error {
	for i := range e.cells {
		e.cells[i] = [2]int{-1, -1}
	}
	e.arena = e.arena[:0]
	if rv := e.addressable(v); rv.IsValid() {
		if err := e.walk(rv, e.root); err != nil {
			return fmt.Errorf("export row: %w", err)
		}
	} else {
		e.js.Reset()
		if err := e.je.Encode(v); err != nil {
			return err
		}
		data := bytes.TrimSuffix(e.js.Bytes(), []byte{'\n'})
		if len(data) == 0 || data[0] != '{' {
			return fmt.Errorf("export row: not an object: %.40q", data)
		}
		if _, err := e.object(data, 0, e.root); err != nil {
			return fmt.Errorf("export row: %w", err)
		}
	}
	for _, d := range e.dups {
		e.cells[d[0]] = e.cells[d[1]]
	}
	// One string for the whole row; the cells are slices of it.
	all := string(e.arena)
	for i, c := range e.cells {
		if c[0] < 0 {
			e.row[i] = ""
			continue
		}
		e.row[i] = all[c[0]:c[1]]
	}
	return nil
}

// object reads the object at data[i] (compact JSON, as encoding/json
// writes it) and fills the cells of the columns under n; it returns the
// index after the object.
func (e *csvEncoder) object(data []byte, i int, n *colNode) (int, error) {
	i++ // {
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for i < len(data) {
		keyStart := i
		end, err := skipString(data, i)
		if err != nil {
			return 0, err
		}
		var child *colNode
		if raw := data[keyStart+1 : end-1]; bytes.IndexByte(raw, '\\') < 0 {
			child = n.children[string(raw)]
		} else {
			var key string
			if err := json.Unmarshal(data[keyStart:end], &key); err != nil {
				return 0, err
			}
			child = n.children[key]
		}
		i = end + 1 // :
		if child == nil {
			if i, err = skipValue(data, i); err != nil {
				return 0, err
			}
		} else if i, err = e.value(data, i, child); err != nil {
			return 0, err
		}
		if i >= len(data) {
			break
		}
		switch data[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return 0, fmt.Errorf("unexpected %q at %d", data[i], i)
		}
	}
	return 0, fmt.Errorf("unterminated object")
}

// value reads the value at data[i] for the column path n.
func (e *csvEncoder) value(data []byte, i int, n *colNode) (int, error) {
	switch c := data[i]; {
	case c == '{':
		var end int
		var err error
		if n.children != nil {
			end, err = e.object(data, i, n)
		} else {
			end, err = skipValue(data, i)
		}
		if err != nil || n.col < 0 {
			return end, err
		}
		return end, e.setJSON(n.col, data[i:end]) // a column may be the object itself
	case c == '[':
		end, err := skipValue(data, i)
		if err != nil || n.col < 0 {
			return end, err
		}
		return end, e.setArray(n.col, data[i:end])
	case c == '"':
		end, err := skipString(data, i)
		if err != nil || n.col < 0 {
			return end, err
		}
		start := len(e.arena)
		if e.arena, err = jsonstring.AppendUnquoted(e.arena, data[i:end]); err != nil {
			return 0, err
		}
		e.set(n.col, start)
		return end, nil
	default: // a number, true, false or null
		end, err := skipValue(data, i)
		if err != nil || n.col < 0 {
			return end, err
		}
		start := len(e.arena)
		switch lit := data[i:end]; {
		case lit[0] == 'n': // null: empty
		case lit[0] == 't' || lit[0] == 'f':
			e.arena = append(e.arena, lit...)
		default:
			// As a float64, the way the JSON decoder reads every number.
			f, err := strconv.ParseFloat(string(lit), 64)
			if err != nil {
				return 0, err
			}
			e.arena = strconv.AppendFloat(e.arena, f, 'f', -1, 64)
		}
		e.set(n.col, start)
		return end, nil
	}
}

// set ends the cell of column col, which starts at arena[start], and
// neutralises it.
func (e *csvEncoder) set(col, start int) {
	cell := e.arena[start:]
	if len(cell) > 0 && strings.IndexByte("=+-@\t\r", cell[0]) >= 0 {
		if _, err := strconv.ParseFloat(string(cell), 64); err != nil {
			e.arena = append(e.arena[:start], append([]byte{'\''}, cell...)...)
		}
	}
	e.cells[col] = [2]int{start, len(e.arena)}
}

// setArray writes an array of strings joined with "; ", any other array as
// JSON.
func (e *csvEncoder) setArray(col int, raw []byte) error {
	start := len(e.arena)
	i := 1
	for first := true; i < len(raw) && raw[i] != ']'; first = false {
		if raw[i] != '"' {
			e.arena = e.arena[:start]
			return e.setJSON(col, raw)
		}
		end, err := skipString(raw, i)
		if err != nil {
			return err
		}
		if !first {
			e.arena = append(e.arena, "; "...)
		}
		if e.arena, err = jsonstring.AppendUnquoted(e.arena, raw[i:end]); err != nil {
			return err
		}
		i = end
		if i < len(raw) && raw[i] == ',' {
			i++
		}
	}
	e.set(col, start)
	return nil
}

// setJSON writes a nested value as JSON, as encoding/json writes it once
// decoded into maps and slices (keys sorted, numbers as float64).
func (e *csvEncoder) setJSON(col int, raw []byte) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	start := len(e.arena)
	e.arena = append(e.arena, data...)
	e.set(col, start)
	return nil
}

// skipString returns the index after the string that starts at data[i].
func skipString(data []byte, i int) (int, error) {
	if i >= len(data) || data[i] != '"' {
		return 0, fmt.Errorf("want a string at %d", i)
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string")
}

// skipValue returns the index after the value that starts at data[i].
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, fmt.Errorf("want a value at %d", i)
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, err := skipString(data, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unterminated value")
	default:
		j := i
		for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' {
			j++
		}
		return j, nil
	}
}
