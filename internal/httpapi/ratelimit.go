package httpapi

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// RateLimit is a token bucket: Rate requests per second on average, Burst at once.
type RateLimit struct {
	Rate  float64
	Burst int
}

// limiter keeps one token bucket per caller: the signed-in subject, or the
// client address for anonymous callers (an invalid token is anonymous here). Idle buckets are dropped. Each
// instance counts for itself.
type limiter struct {
	name   string
	limit  RateLimit
	mu     sync.Mutex
	users  map[string]*bucket
	swept  time.Time
	policy string
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(name string, l RateLimit) *limiter {
	window := int(math.Ceil(float64(l.Burst) / l.Rate))
	return &limiter{name: name, limit: l, users: map[string]*bucket{}, swept: time.Now(),
		policy: fmt.Sprintf(`%q;q=%d;w=%d`, name, l.Burst, window)}
}

// allow takes a token for key and says how many remain and, when refused,
// how long to wait.
func (l *limiter) allow(key string, now time.Time) (ok bool, remaining int, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.users {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.users, k)
			}
		}
		l.swept = now
	}
	b, found := l.users[key]
	if !found {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)}
		l.users[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, 0, d
	}
	return true, int(b.lim.TokensAt(now)), 0
}

// rateLimited refuses callers over their budget with 429, Retry-After and the
// IETF RateLimit and RateLimit-Policy headers, on the API and the embeddable
// schedule; sign-in has its own, smaller budget.
func rateLimited(general, signIn RateLimit) echo.MiddlewareFunc {
	api := newLimiter("default", general)
	login := newLimiter("sign-in", signIn)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p := c.Request().URL.Path; !strings.HasPrefix(p, basePath+"/") && p != embedPagePath && p != embedScriptPath && p != unsubscribePath {
				return next(c)
			}
			l := api
			key := domain.ActorFrom(c.Request().Context()).Subject
			switch c.Path() {
			case tokenPath, basePath + "/auth/passwords", basePath + "/auth/revocations":
				l, key = login, "" // always on, whatever the general limit
			case basePath + "/me/password":
				l = login // guessing the current password is sign-in by other means
			}
			if l.limit.Rate <= 0 {
				return next(c)
			}
			if key == "" {
				key = "ip:" + c.RealIP()
			}
			ok, remaining, wait := l.allow(key, time.Now())
			h := c.Response().Header()
			h.Set("RateLimit-Policy", l.policy)
			if !ok {
				seconds := int(math.Ceil(wait.Seconds()))
				h.Set("Retry-After", fmt.Sprint(seconds))
				h.Set("RateLimit", fmt.Sprintf(`%q;r=0;t=%d`, l.name, seconds))
				return domain.Errorf(domain.CodeTooManyRequests, "too many requests; wait %d s (Retry-After)", seconds)
			}
			h.Set("RateLimit", fmt.Sprintf(`%q;r=%d;t=%d`, l.name, remaining, int(math.Ceil(float64(l.limit.Burst-remaining)/l.limit.Rate))))
			return next(c)
		}
	}
}
