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
