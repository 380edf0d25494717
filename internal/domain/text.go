package domain

import (
	"net/url"
	"regexp"
	"strings"
)

var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z]{2})?$`)

// IsLanguageTag reports whether s is a language tag such as nl or nl-NL.
func IsLanguageTag(s string) bool { return languageTag.MatchString(s) }

// IsWebURL reports whether s is an absolute http or https URL; whitespace is
// refused because a link that needs it was pasted wrongly.
func IsWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " \t\r\n")
}
