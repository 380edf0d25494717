package transfer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// checksum hashes rows as both databases give them, normalised so that one
// value hashes the same from either: integers of any width as decimals,
// booleans as such (SQLite keeps them as 0 and 1), times as UTC instants to
// the nanosecond, text and bytes alike, NULL as itself.
type checksum struct {
	h   hash.Hash
	buf []byte
}

func newChecksum() *checksum { return &checksum{h: sha256.New()} }

func (c *checksum) row(values []any) error {
	c.buf = c.buf[:0]
	for _, v := range values {
		var err error
		if c.buf, err = appendValue(c.buf, v); err != nil {
			return err
		}
	}
	c.h.Write(c.buf)
	return nil
}

func (c *checksum) hex() string { return hex.EncodeToString(c.h.Sum(nil)) }

// appendValue appends a tag and the value's length-prefixed text, so that
// no two rows share an encoding.
func appendValue(b []byte, v any) ([]byte, error) {
	field := func(tag byte, s string) []byte {
		b = append(b, tag)
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	switch x := v.(type) {
	case nil:
		return append(b, 'n'), nil
	case bool:
		return field('b', strconv.FormatBool(x)), nil
	case int64:
		return field('i', strconv.FormatInt(x, 10)), nil
	case int32:
		return field('i', strconv.FormatInt(int64(x), 10)), nil
	case int16:
		return field('i', strconv.FormatInt(int64(x), 10)), nil
	case int:
		return field('i', strconv.Itoa(x)), nil
	case float64:
		return field('f', strconv.FormatFloat(x, 'g', -1, 64)), nil
	case float32:
		return field('f', strconv.FormatFloat(float64(x), 'g', -1, 32)), nil
	case string:
		return field('s', x), nil
	case []byte:
		return field('s', string(x)), nil
	case time.Time:
		return field('t', x.UTC().Format(time.RFC3339Nano)), nil
	default:
		return b, fmt.Errorf("a value of type %T the copy cannot compare", v)
	}
}
