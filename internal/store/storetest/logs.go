package storetest

import (
	"bytes"
	"sync"
)

// Logs is a log destination that concurrent work (requests, the store's
// background work) may write to while the test reads it. The zero value is
// empty and ready.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
