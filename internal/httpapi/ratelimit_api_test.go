package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

func TestRateLimit(t *testing.T) {
	// Serial: the limits count requests per second, which other tests' load would skew.
	cfg := apptest.Config(t)
	cfg.RateLimit, cfg.RateBurst = 1, 3
	cfg.SignInLimit = 2
	env := apptest.New(t, cfg)
	var statuses []int
	for range 4 {
		res := env.Do(t, "GET", "/v1/organisations", nil, nil)
		statuses = append(statuses, res.StatusCode)
		if res.Header.Get("RateLimit-Policy") != `"default";q=3;w=3` {
			t.Errorf("RateLimit-Policy: got %q", res.Header.Get("RateLimit-Policy"))
		}
		if res.StatusCode == http.StatusTooManyRequests {
			if res.Header.Get("Retry-After") != "1" || !strings.HasPrefix(res.Header.Get("RateLimit"), `"default";r=0;t=`) {
				t.Errorf("429 headers: got Retry-After %q RateLimit %q; want 1 and r=0", res.Header.Get("Retry-After"), res.Header.Get("RateLimit"))
			}
			res.Problem(t)
		}
	}
	if fmt.Sprint(statuses) != "[200 200 200 429]" {
		t.Errorf("statuses: got %v; want three allowed, then 429", statuses)
	}
	if res := env.Do(t, "GET", "/healthz", nil, nil); res.StatusCode != 200 {
		t.Errorf("healthz is not limited: got %d", res.StatusCode)
	}
	var signIn []int
	for range 3 {
		signIn = append(signIn, env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "x@example.org", "password": "guess guess guess"}, nil).StatusCode)
	}
	if fmt.Sprint(signIn) != "[401 401 429]" {
		t.Errorf("sign-in attempts: got %v; want two tries, then 429", signIn)
	}
}

// Switching off the general rate limit leaves sign-in throttled.
func TestSignInStaysLimitedWithoutAGeneralLimit(t *testing.T) {
	// Serial: the limits count requests per second, which other tests' load would skew.
	cfg := apptest.Config(t)
	cfg.RateLimit, cfg.SignInLimit = 0, 2
	env := apptest.New(t, cfg)
	var got []int
	for range 3 {
		got = append(got, env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "x@example.org", "password": "guess guess guess"}, nil).StatusCode)
	}
	if fmt.Sprint(got) != "[401 401 429]" {
		t.Errorf("sign-in attempts with --rate-limit 0: got %v; want two tries, then 429", got)
	}
}
