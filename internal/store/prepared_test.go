package store

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"
)

// TestPreparedInsertsMatchRows: a row written by a prepared insert rather
// than by GORM has every column GORM knows of the row, in the order of its
// values, so a column added to the row cannot be left out of the insert.
func TestPreparedInsertsMatchRows(t *testing.T) {
	t.Parallel()
	var meeting meetingRow
	distinct(reflect.ValueOf(&meeting).Elem())
	tests := []struct {
		name   string
		st     preparedStatement
		model  any
		values []any
	}{
		{"meeting", insertMeeting, &meeting, meeting.values()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := schema.Parse(tt.model, &sync.Map{}, schema.NamingStrategy{})
			if err != nil {
				t.Fatalf("parse %T: %v", tt.model, err)
			}
			if !slices.Equal(tt.st.columns, s.DBNames) {
				t.Errorf("columns: got %v; want %v", tt.st.columns, s.DBNames)
			}
			if got := strings.Count(tt.st.sqlite, "?"); got != len(s.DBNames) {
				t.Errorf("placeholders: got %d; want %d: %s", got, len(s.DBNames), tt.st.sqlite)
			}
			if last := "$" + strconv.Itoa(len(s.DBNames)) + ")"; !strings.HasSuffix(tt.st.postgres, last) {
				t.Errorf("PostgreSQL's statement: got %s; want it to end with %s", tt.st.postgres, last)
			}
			if len(tt.values) != len(s.DBNames) {
				t.Fatalf("values: got %d; want %d", len(tt.values), len(s.DBNames))
			}
			for i, column := range s.DBNames {
				want, _ := s.FieldsByDBName[column].ValueOf(context.Background(), reflect.ValueOf(tt.model))
				if !reflect.DeepEqual(tt.values[i], want) {
					t.Errorf("value %d: got %v; want %s's %v", i, tt.values[i], column, want)
				}
			}
		})
	}
}

// distinct gives every field of the struct v a value no other field has.
func distinct(v reflect.Value) {
	n := 0
	var fill func(f reflect.Value)
	fill = func(f reflect.Value) {
		n++
		switch f.Kind() {
		case reflect.String:
			f.SetString("v" + strconv.Itoa(n))
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(n))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			fill(f.Elem())
		case reflect.Struct:
			if f.Type() == reflect.TypeFor[time.Time]() {
				f.Set(reflect.ValueOf(time.Unix(int64(n), 0)))
			}
		}
	}
	for i := range v.NumField() {
		fill(v.Field(i))
	}
}
