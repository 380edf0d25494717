package client

import "time"

// SetClock makes s read the time from now, so that tests can move past a
// token's renewal without waiting for it.
func SetClock(s *TokenSource, now func() time.Time) { s.now = now }
