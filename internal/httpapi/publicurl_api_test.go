package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// feedURLs fetches the calendar feed with the given Host and headers and
// returns the URLs of its events, unfolded.
func feedURLs(t *testing.T, env *apptest.Env, host string, headers map[string]string) (urls []string, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+"/v1/feeds/meetings.ics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET the feed with Host %s: got %d; want 200: %s", host, res.StatusCode, b)
	}
	body = strings.ReplaceAll(string(b), "\r\n ", "")
	for _, l := range strings.Split(body, "\r\n") {
		if u, ok := strings.CutPrefix(l, "URL;VALUE=URI:"); ok {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		t.Fatalf("the feed has no event URL:\n%s", body)
	}
	return urls, body
}

func TestFeedURLsComeFromThePublicURLNeverTheHost(t *testing.T) {
	forwarded := map[string]string{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
	tests := []struct {
		name       string
		publicURL  string // "" for the test server's own address
		trustProxy bool
		headers    map[string]string
		want       string // what every URL starts with; "" for the test server's address
	}{
		{"default", "", false, nil, ""},
		{"forwarded headers, proxy not trusted", "", false, forwarded, ""},
		{"forwarded headers, proxy trusted", "", true, forwarded, ""},
		{"configured", "https://api.example.org", true, forwarded, "https://api.example.org/embed/meetings?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := apptest.Config(t)
			cfg.RateLimit = 0
			cfg.PublicURL = tt.publicURL
			cfg.TrustProxy = tt.trustProxy
			env := apptest.New(t, cfg)
			env.Seed(t)
			admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
			env.Post(t, admin, "/v1/meetings", apptest.PlannedMeeting("Planned meeting", nil))
			want := tt.want
			if want == "" {
				want = env.URL + "/embed/meetings?"
			}
			urls, body := feedURLs(t, env, "evil.example", tt.headers)
			if strings.Contains(body, "evil.example") {
				t.Errorf("the feed reflects the request's Host or X-Forwarded-Host:\n%s", body)
			}
			for _, u := range urls {
				if !strings.HasPrefix(u, want) {
					t.Errorf("URL: got %s; want it to start with %s", u, want)
				}
			}
		})
	}
}
