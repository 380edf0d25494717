// Package jsonstring reads JSON strings as JSON encoders write them, in one
// pass and without the reflection of encoding/json.
package jsonstring

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// AppendUnquoted appends the JSON string q (with its quotes, as a JSON
// encoder wrote it) to b, unescaped.
func AppendUnquoted[T ~string | ~[]byte](b []byte, q T) ([]byte, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return nil, fmt.Errorf("not a JSON string")
	}
	q = q[1 : len(q)-1]
	for len(q) > 0 {
		k := backslash(q)
		if k < 0 {
			return append(b, q...), nil
		}
		b = append(b, q[:k]...)
		q = q[k:]
		if len(q) < 2 {
			return nil, fmt.Errorf("bad escape")
		}
		switch q[1] {
		case '"', '\\', '/':
			b = append(b, q[1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, n, err := unicodeEscape(q)
			if err != nil {
				return nil, err
			}
			b = utf8.AppendRune(b, r)
			q = q[n:]
			continue
		default:
			return nil, fmt.Errorf("bad escape %q", q[:2])
		}
		q = q[2:]
	}
	return b, nil
}

// backslash is the index of the first backslash in q, or -1.
func backslash[T ~string | ~[]byte](q T) int {
	switch q := any(q).(type) {
	case string:
		return strings.IndexByte(q, '\\')
	case []byte:
		return bytes.IndexByte(q, '\\')
	}
	for i := range len(q) { // a type of its own, such as json.RawMessage
		if q[i] == '\\' {
			return i
		}
	}
	return -1
}

// unicodeEscape reads \uXXXX (and the low half of a surrogate pair after
// it) at the start of q: the rune and how many bytes it took.
func unicodeEscape[T ~string | ~[]byte](q T) (rune, int, error) {
	hex := func(p T) (rune, bool) {
		if len(p) < 6 || p[0] != '\\' || p[1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(p[2:6]), 16, 32)
		return rune(v), err == nil
	}
	r, ok := hex(q)
	if !ok {
		return 0, 0, fmt.Errorf("bad \\u escape")
	}
	if utf16.IsSurrogate(r) {
		if r2, ok := hex(q[6:]); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12, nil
			}
		}
		return utf8.RuneError, 6, nil
	}
	return r, 6, nil
}
