package domain

import "time"

// DefaultLanguage is the language of a published document that names none:
// the network publishes in Dutch.
const DefaultLanguage = "nl"

// CheckPublished checks what a publication and a meeting report both say of
// their document: an absolute web URL, the date it was published and a
// language tag, DefaultLanguage when none is given. It adds what is wrong to
// p and returns the language to keep.
func CheckPublished(url string, publishedOn time.Time, language string, p *Problems) string {
	if !IsWebURL(url) {
		p.Add("url", "must be an absolute http or https URL")
	}
	if publishedOn.IsZero() {
		p.Add("publishedOn", "is required")
	}
	if language == "" {
		language = DefaultLanguage
	}
	if !IsLanguageTag(language) {
		p.Add("language", "must be a language tag such as nl or en")
	}
	return language
}
