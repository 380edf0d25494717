package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// Requests with an invalid token count against the client's address, and
// the embeddable schedule is limited like any other anonymous read.
func TestRateLimitCountsInvalidTokensAndEmbeds(t *testing.T) {
	// Serial: the limits count requests per second, which other tests' load would skew.
	for _, tt := range []struct {
		name, path string
		headers    map[string]string
		allowed    int
	}{
		{"invalid token", "/v1/organisations", apptest.Bearer("not-a-token"), http.StatusUnauthorized},
		{"malformed Authorization", "/v1/organisations", map[string]string{"Authorization": "Basic eDp5"}, http.StatusUnauthorized},
		{"embed page", "/embed/meetings", nil, http.StatusOK},
		{"embed script", "/embed/meetings.js", nil, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := apptest.Config(t)
			cfg.RateLimit, cfg.RateBurst = 1, 3
			env := apptest.New(t, cfg)
			var got []int
			for range 4 {
				res := env.Do(t, "GET", tt.path, nil, tt.headers)
				got = append(got, res.StatusCode)
				if res.StatusCode == http.StatusTooManyRequests {
					apptest.CheckProblem(t, tt.name, res, http.StatusTooManyRequests)
				}
			}
			if want := fmt.Sprint([]int{tt.allowed, tt.allowed, tt.allowed, http.StatusTooManyRequests}); fmt.Sprint(got) != want {
				t.Errorf("statuses: got %v; want %s: three answered, then 429", got, want)
			}
		})
	}
}
