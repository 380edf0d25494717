package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/pkg/client"
)

// recorder is an HTTP client that notes every request it sends: the path
// and, for a form, its grant_type.
type recorder struct {
	mu      sync.Mutex
	sent    []string // "GET /v1/meetings", "POST /v1/auth/token client_credentials"
	refresh string   // the last refresh token the service answered
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	line := req.Method + " " + req.URL.Path
	if req.Body != nil && req.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		data, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(data))
		form, _ := url.ParseQuery(string(data))
		line += " " + form.Get("grant_type")
	} else if req.URL.Path == "/v1/auth/token" {
		line += " password"
	}
	r.mu.Lock()
	r.sent = append(r.sent, line)
	r.mu.Unlock()
	res, err := http.DefaultClient.Do(req)
	if err != nil || req.URL.Path != "/v1/auth/token" {
		return res, err
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(data))
	var tok client.AccessToken
	if json.Unmarshal(data, &tok) == nil && tok.RefreshToken != nil {
		r.mu.Lock()
		r.refresh = *tok.RefreshToken
		r.mu.Unlock()
	}
	return res, err
}

// count is how many requests were line.
func (r *recorder) count(line string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.sent {
		if s == line {
			n++
		}
	}
	return n
}

const clientSignIn = "POST /v1/auth/token client_credentials"

// newClient registers an API client of its own for a test, bound to GM0606
// with people:read, and returns it with a token source that asks for scopes
// and signs in through a recorder.
func newClient(t *testing.T, scopes []string) (account.Client, *client.TokenSource, *recorder) {
	t.Helper()
	cl, secret, err := env.App.Accounts.CreateClient(apptest.As(domain.System),
		account.NewClient{Name: t.Name(), Organisation: "GM0606", Scopes: []string{"people:read"}})
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	rec := &recorder{}
	ts, err := client.NewClientTokenSource(baseURL, cl.ClientID, secret, scopes, client.WithHTTPClient(rec))
	if err != nil {
		t.Fatal(err)
	}
	return cl, ts, rec
}

// clock is a time that a test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func TestTokenSourceSignsInOnceForConcurrentCallers(t *testing.T) {
	t.Parallel()
	_, ts, rec := newClient(t, nil)
	tokens := make([]string, 16)
	var wg sync.WaitGroup
	for i := range tokens {
		wg.Go(func() {
			tok, err := ts.Token(context.Background())
			if err != nil {
				t.Errorf("token: %v", err)
			}
			tokens[i] = tok
		})
	}
	wg.Wait()
	if got := rec.count(clientSignIn); got != 1 {
		t.Errorf("sign-ins: got %d; want 1", got)
	}
	slices.Sort(tokens)
	if distinct := slices.Compact(tokens); len(distinct) != 1 || distinct[0] == "" {
		t.Errorf("tokens: got %d different ones; want one", len(distinct))
	}
}

func TestTokenSourceRenewsBeforeExpiry(t *testing.T) {
	t.Parallel()
	_, ts, rec := newClient(t, []string{"people:read"})
	c := &clock{t: time.Now()}
	client.SetClock(ts, c.now)
	// Tokens live 15 minutes; the source renews a minute before.
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{
		{0, 1},
		{13 * time.Minute, 1},
		{59 * time.Second, 1},
		{time.Second, 2}, // 14 minutes after the sign-in
		{time.Minute, 2},
		{14 * time.Minute, 3},
	} {
		c.advance(step.advance)
		if _, err := ts.Token(context.Background()); err != nil {
			t.Fatalf("token: %v", err)
		}
		if got := rec.count(clientSignIn); got != step.want {
			t.Errorf("after %v more: got %d sign-ins; want %d", step.advance, got, step.want)
		}
	}
}

func TestTokenSourceRetriesOnceOn401(t *testing.T) {
	t.Parallel()
	cl, ts, rec := newClient(t, nil)
	api, err := client.New(baseURL, client.WithHTTPClient(rec), client.WithTokenSource(ts))
	if err != nil {
		t.Fatal(err)
	}
	read := "GET /v1/api-clients/" + cl.ClientID
	get := func() (*client.GetAPIClientResponse, error) {
		return api.Raw().GetAPIClientWithResponse(context.Background(), cl.ClientID)
	}
	if res, err := get(); err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("first read: got %v, %v; want 200", res.StatusCode(), err)
	}

	// Narrowing the client's scopes ends its tokens at once.
	admin := apptest.As(domain.System)
	if _, err := env.App.Accounts.UpdateClient(admin, cl.ClientID, func(in account.ClientInput) (account.ClientInput, error) {
		in.Scopes = nil
		return in, nil
	}, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatalf("narrow scopes: %v", err)
	}
	res, err := get()
	if err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("read after the token ended: got %v, %v; want 200 with a new token", res.StatusCode(), err)
	}
	if got := res.JSON200.Scopes; len(got) != 0 {
		t.Errorf("scopes: got %v; want none", got)
	}
	if got, want := [2]int{rec.count(read), rec.count(clientSignIn)}, [2]int{3, 2}; got != want {
		t.Errorf("reads, sign-ins: got %v; want %v (%v)", got, want, rec.sent)
	}

	// A revoked client cannot sign in again: one retry, then the sign-in's problem.
	if err := env.App.Accounts.RevokeClient(admin, cl.ClientID, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	_, err = get()
	if p, ok := errors.AsType[*client.Problem](err); !ok || p.Status != http.StatusUnauthorized {
		t.Errorf("read after revocation: got %v; want a 401 *Problem from the sign-in", err)
	}
	if got, want := [2]int{rec.count(read), rec.count(clientSignIn)}, [2]int{4, 3}; got != want {
		t.Errorf("reads, sign-ins: got %v; want %v (%v)", got, want, rec.sent)
	}
}

func TestPasswordTokenSourceRefreshes(t *testing.T) {
	t.Parallel()
	const (
		password = "POST /v1/auth/token password"
		refresh  = "POST /v1/auth/token refresh_token"
	)
	for _, tc := range []struct {
		name    string
		email   string
		signOut bool // end the refresh token after the first sign-in
		want    []string
	}{
		{"refresh token", "refresh@example.org", false, []string{password, refresh, refresh}},
		// The refresh answers 401, then the password signs in again.
		{"password again when the refresh token ended", "signed-out@example.org", true, []string{password, refresh, password, refresh}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env.User(t, tc.email, domain.RoleAnalyst, "")
			rec := &recorder{}
			ts, err := client.NewPasswordTokenSource(baseURL, tc.email, apptest.Password, client.WithHTTPClient(rec))
			if err != nil {
				t.Fatal(err)
			}
			c := &clock{t: time.Now()}
			client.SetClock(ts, c.now)
			for i := range 3 {
				if _, err := ts.Token(context.Background()); err != nil {
					t.Fatalf("token %d: %v", i, err)
				}
				if i == 0 && tc.signOut {
					res := env.Do(t, http.MethodPost, "/v1/auth/revocations", client.RefreshTokenRevocation{RefreshToken: rec.refresh}, nil)
					if res.StatusCode != http.StatusNoContent {
						t.Fatalf("sign out: got %d; want 204 (%s)", res.StatusCode, res.Body)
					}
				}
				c.advance(15 * time.Minute)
			}
			if !slices.Equal(rec.sent, tc.want) {
				t.Errorf("requests: got %v; want %v", rec.sent, tc.want)
			}
		})
	}
}

func TestMeetingPatchEncodesNullAndLeavesOutUnset(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		patch client.MeetingPatch
		want  string
	}{
		{"nothing", client.MeetingPatch{}, `{}`},
		{"clear", client.MeetingPatch{Description: nullable.NewNullNullable[string](), Venue: nullable.NewNullNullable[client.VenuePatch]()},
			`{"description":null,"venue":null}`},
		{"set", client.MeetingPatch{Capacity: nullable.NewNullableWithValue(30)}, `{"capacity":30}`},
		{"nested", client.MeetingPatch{Venue: nullable.NewNullableWithValue(client.VenuePatch{Address: nullable.NewNullNullable[string]()})},
			`{"venue":{"address":null}}`},
	} {
		data, err := json.Marshal(tc.patch)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(data) != tc.want {
			t.Errorf("%s: got %s; want %s", tc.name, data, tc.want)
		}
	}
}

func TestPatchMeetingClearsWithNull(t *testing.T) {
	t.Parallel()
	api, err := client.New(baseURL, client.WithRequestEditorFn(editor(t).Edit))
	if err != nil {
		t.Fatal(err)
	}
	description, address, city, capacity := "Before", "Stadserf 1", "Schiedam", 40
	created, etag, err := api.CreateMeeting(ctx, client.MeetingInput{
		Title: t.Name(), Topic: "Patching", Format: client.MeetingFormatOther,
		StartsAt: time.Date(2032, 5, 1, 9, 0, 0, 0, time.UTC), EndsAt: time.Date(2032, 5, 1, 12, 0, 0, 0, time.UTC),
		Description: &description, Capacity: &capacity,
		Venue: &client.VenueInput{Name: "Town hall", Address: &address, City: &city},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}

	// null clears description and the venue's address; what the patch leaves out stays.
	m, etag2, err := api.PatchMeeting(ctx, created.ID, etag, client.MeetingPatch{
		Description: nullable.NewNullNullable[string](),
		Venue:       nullable.NewNullableWithValue(client.VenuePatch{Address: nullable.NewNullNullable[string]()}),
	})
	if err != nil {
		t.Fatalf("patch: %v", err)
	}
	if m.Description != nil || m.Venue == nil || m.Venue.Address != nil || apptest.Deref(m.Venue.City) != city || apptest.Deref(m.Capacity) != capacity {
		t.Errorf("after patch: got description %v, venue %+v, capacity %v; want no description, no address, city %s, capacity %d",
			m.Description, m.Venue, m.Capacity, city, capacity)
	}
	if etag2 == "" || etag2 == etag {
		t.Errorf("ETag after patch: got %q; want a new one (was %q)", etag2, etag)
	}

	// The stale ETag is refused; the venue is still there.
	_, _, err = api.PatchMeeting(ctx, created.ID, etag, client.MeetingPatch{Venue: nullable.NewNullNullable[client.VenuePatch]()})
	if p, ok := errors.AsType[*client.Problem](err); !ok || p.Status != http.StatusPreconditionFailed {
		t.Fatalf("patch with a stale ETag: got %v; want a 412 *Problem", err)
	}

	// null removes the whole venue.
	if _, _, err := api.PatchMeeting(ctx, created.ID, etag2, client.MeetingPatch{Venue: nullable.NewNullNullable[client.VenuePatch]()}); err != nil {
		t.Fatalf("patch venue null: %v", err)
	}
	got, _, err := api.GetMeeting(ctx, created.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Venue != nil || got.Title != t.Name() {
		t.Errorf("after venue null: got venue %+v, title %q; want no venue, title %q", got.Venue, got.Title, t.Name())
	}
}

// editor is a token source for the editor TestMain created.
func editor(t *testing.T) *client.TokenSource {
	t.Helper()
	ts, err := client.NewPasswordTokenSource(baseURL, editorEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestAllReadsEveryPageOnce(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	api, err := client.New(baseURL, client.WithHTTPClient(rec))
	if err != nil {
		t.Fatal(err)
	}
	one, err := api.ListMilestones(ctx, &client.ListMilestonesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range one.Items {
		want = append(want, m.ID.String())
	}
	if len(want) < 3 || one.Next != "" {
		t.Fatalf("one page: got %d milestones, next %q; want at least 3 on one page", len(want), one.Next)
	}
	size := 2
	var got []string
	for m, err := range api.AllMilestones(ctx, client.ListMilestonesParams{PageSize: &size}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.ID.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages of 2: got %v; want %v", got, want)
	}
	if got, want := rec.count("GET /v1/milestones"), 1+(len(want)+1)/2; got != want {
		t.Errorf("requests: got %d; want %d (one a page)", got, want)
	}
}

func TestAll(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	// pages serves "a", "b" | "c", "d" | "e", then fails at cursor fail.
	pages := map[string]client.Page[string]{
		"":   {Items: []string{"a", "b"}, Next: "2"},
		"2":  {Items: []string{"c", "d"}, Next: "3"},
		"3":  {Items: []string{"e"}},
		"x":  {Items: []string{"a"}, Next: "fail"},
		"y2": {Items: []string{"a"}, Next: "y2"},
	}
	for _, tc := range []struct {
		name      string
		first     string // page to start at (the page func maps "" to it)
		take      int    // items to read before breaking; 0 for all
		want      []string
		wantErr   bool
		wantPages int
	}{
		{name: "every page", want: []string{"a", "b", "c", "d", "e"}, wantPages: 3},
		{name: "break after the first page", take: 2, want: []string{"a", "b"}, wantPages: 1},
		{name: "break in the second page", take: 3, want: []string{"a", "b", "c"}, wantPages: 2},
		{name: "error after a page", first: "x", want: []string{"a"}, wantErr: true, wantPages: 2},
		{name: "cursor that does not move", first: "y2", want: []string{"a", "a"}, wantErr: true, wantPages: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fetched := 0
			seq := client.All(context.Background(), func(cursor string) (client.Page[string], error) {
				fetched++
				if cursor == "" {
					cursor = tc.first
				}
				if cursor == "fail" {
					return client.Page[string]{}, boom
				}
				return pages[cursor], nil
			})
			var got []string
			errs := 0
			for item, err := range seq {
				if err != nil {
					errs++
					continue
				}
				got = append(got, item)
				if len(got) == tc.take {
					break
				}
			}
			if !slices.Equal(got, tc.want) || (errs == 1) != tc.wantErr || errs > 1 || fetched != tc.wantPages {
				t.Errorf("got %v, %d errors, %d pages; want %v, error %v, %d pages", got, errs, fetched, tc.want, tc.wantErr, tc.wantPages)
			}
		})
	}
}

func TestAllStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	c, cancel := context.WithCancel(context.Background())
	fetched := 0
	var errs []error
	for _, err := range client.All(c, func(cursor string) (client.Page[int], error) {
		fetched++
		cancel()
		return client.Page[int]{Items: []int{1}, Next: cursor + "+"}, nil
	}) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if fetched != 1 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("got %d pages, errors %v; want 1 page, then context.Canceled once", fetched, errs)
	}
}

func TestAllChangesReadsToTheEnd(t *testing.T) {
	t.Parallel()
	api, err := client.New(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	// Page by page with Changes, as a copy would.
	var want []string
	for cursor := ""; ; {
		p, err := api.Changes(ctx, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			want = append(want, c.ID)
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	var got []string
	for c, err := range api.AllChanges(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.ID)
	}
	// Other tests write meanwhile: the feed only grows, so the shorter read is
	// where the longer one begins.
	if len(want) < 10 || len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("AllChanges: got %d changes; want at least the %d read page by page, in the same order", len(got), len(want))
	}
}

func TestProblemFromAnAnswerThatIsNotOne(t *testing.T) {
	t.Parallel()
	// A proxy in front of the service answers with its own error page.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<h1>Bad gateway</h1>"))
	}))
	t.Cleanup(proxy.Close)
	api, err := client.New(proxy.URL + "/v1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.ListMeetings(ctx, &client.ListMeetingsParams{})
	p, ok := errors.AsType[*client.Problem](err)
	if !ok || p.Status != http.StatusBadGateway || p.Title != "Bad Gateway" || !strings.Contains(p.Detail, "GET /v1/meetings") {
		t.Errorf("got %#v; want a 502 *Problem naming the request", err)
	}
}
