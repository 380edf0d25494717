package notification_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/notification"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

func TestLanguage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		languages []string
		want      string
	}{
		{nil, "nl"},
		{[]string{"en"}, "en"},
		{[]string{"EN-gb", "nl"}, "en"},
		{[]string{"nl", "en"}, "nl"},
		{[]string{"de", "fr"}, "nl"},
		{[]string{"de", "en-US", "nl"}, "en"},
	} {
		if got := notification.Language(person.Person{Languages: c.languages}); got != c.want {
			t.Errorf("Language(%v): got %s; want %s", c.languages, got, c.want)
		}
	}
}
