package domain

import (
	"fmt"
	"slices"
	"strings"
)

// ParseSort turns a comma-separated list such as `-joinedOn,name` into sort
// keys, allowing only the given fields, each once. param names the query
// parameter in the error.
func ParseSort(param, s string, allowed []string) ([]SortKey, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var keys []SortKey
	seen := map[string]bool{}
	var p Problems
	for _, part := range strings.Split(s, ",") {
		k := SortKey{Field: strings.TrimSpace(part)}
		if strings.HasPrefix(k.Field, "-") {
			k.Field, k.Descending = k.Field[1:], true
		}
		switch {
		case !slices.Contains(allowed, k.Field):
			p.Add(param, fmt.Sprintf("cannot sort by %q; use %s", k.Field, strings.Join(allowed, ", ")))
		case seen[k.Field]:
			p.Add(param, fmt.Sprintf("%q appears twice", k.Field))
		default:
			seen[k.Field] = true
			keys = append(keys, k)
		}
	}
	return keys, p.Err()
}

// OneOf lists the allowed values for a "must be one of" reason.
func OneOf[T ~string](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}
