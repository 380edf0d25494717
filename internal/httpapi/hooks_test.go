package httpapi

import (
	"context"
	"net/url"
	"sync"
)

// What the API tests observe from inside: the pages the feed reads, keyed
// by the request's query, so that parallel tests each see their own.

var (
	hookMu    sync.Mutex
	feedPages = map[string][]int{}
)

func init() {
	feedPageHook = func(ctx context.Context, n int) {
		u, _ := ctx.Value(requestURLKey{}).(*url.URL)
		if u == nil {
			return
		}
		hookMu.Lock()
		defer hookMu.Unlock()
		feedPages[u.RawQuery] = append(feedPages[u.RawQuery], n)
	}
}

// FeedPages are the sizes of the pages the feed read for requests with
// this raw query, in order.
func FeedPages(rawQuery string) []int {
	hookMu.Lock()
	defer hookMu.Unlock()
	return append([]int(nil), feedPages[rawQuery]...)
}

// ExportOutcome is how an export ended: the rows it produced and the error
// that stopped it (nil when it ran to the end).
type ExportOutcome struct {
	Rows int64
	Err  error
}

var exportEnded = map[string]chan ExportOutcome{}

func exportChannel(rawQuery string) chan ExportOutcome {
	hookMu.Lock()
	defer hookMu.Unlock()
	ch := exportEnded[rawQuery]
	if ch == nil {
		ch = make(chan ExportOutcome, 16)
		exportEnded[rawQuery] = ch
	}
	return ch
}

func init() {
	exportHook = func(ctx context.Context, rows int64, err error) {
		if u, _ := ctx.Value(requestURLKey{}).(*url.URL); u != nil {
			select {
			case exportChannel(exportKey(u.RawQuery)) <- ExportOutcome{Rows: rows, Err: err}:
			default: // nobody is listening for this query: never hold the export up
			}
		}
	}
}

// ExportEnded delivers how each export of requests with this raw query
// ended, in order.
// The defaults the contract fills in (bom, delimiter) are not part of it.
func ExportEnded(rawQuery string) <-chan ExportOutcome { return exportChannel(exportKey(rawQuery)) }

// exportKey is a query without the CSV options, its parameters sorted.
func exportKey(rawQuery string) string {
	q, _ := url.ParseQuery(rawQuery)
	q.Del("bom")
	q.Del("delimiter")
	return q.Encode()
}
