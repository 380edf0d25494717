package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/httpapi"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// exCreateMeetings creates n meetings through the service, a few thousand
// to a transaction.
func exCreateMeetings(t testing.TB, env *apptest.Env, n int) {
	t.Helper()
	ctx := apptest.As(domain.System)
	start := time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC)
	const batch = 2500
	for from := 0; from < n; from += batch {
		err := env.App.DB.InTx(ctx, func(ctx context.Context) error {
			for i := from; i < min(from+batch, n); i++ {
				at := start.Add(time.Duration(i) * time.Hour)
				in := meeting.Input{Title: fmt.Sprintf("Meeting %d: open data, \"quoted\", Café", i), Topic: "Open data",
					Description: "A line. Another, with a comma.", Tags: []string{"open data", "raad"}, Format: meeting.FormatOther,
					StartsAt: at, EndsAt: at.Add(2 * time.Hour), OnlineURL: "https://meet.example.org/" + fmt.Sprint(i), Status: meeting.StatusPlanned}
				if _, err := env.App.Meetings.Create(ctx, in); err != nil {
					return fmt.Errorf("meeting %d: %w", i, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestExportOutlivesTheWriteTimeout: an export that takes far longer than
// the server's write timeout still arrives whole, and one whose client
// stops reading ends its query.
func TestExportOutlivesTheWriteTimeout(t *testing.T) {
	t.Parallel()
	const n = 10_000
	cfg := apptest.Config(t)
	cfg.RateLimit = 0
	// Far shorter than any export of n rows takes: without deadlines of
	// its own, each would be cut (the read timeout ends the request's
	// context).
	cfg.WriteTimeout = 10 * time.Millisecond
	cfg.ReadTimeout = 200 * time.Millisecond
	env := apptest.New(t, cfg)
	exCreateMeetings(t, env, n)
	addr, _ := apptest.Serve(t, env.App)
	base := "http://" + addr + "/v1/meetings/export?"
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	t.Run("whole", func(t *testing.T) {
		for _, c := range []struct{ query, header string }{
			// Filters no other test uses, so that the outcomes are this test's.
			{"format=csv&from=2030-12-30", "id,"},
			{"format=ndjson&from=2030-12-30&sort=-startsAt", ""},
		} {
			res, err := client.Get(base + c.query)
			if err != nil {
				out := <-httpapi.ExportEnded(c.query)
				t.Fatalf("%v (the export ended after %d rows: %v)", err, out.Rows, out.Err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				out := <-httpapi.ExportEnded(c.query)
				t.Fatalf("%s: read after %d bytes: %v; want the whole export (the export ended after %d rows: %v)", c.query, len(body), err, out.Rows, out.Err)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: got %d; want 200", c.query, res.StatusCode)
			}
			lines, want := bytes.Count(body, []byte{'\n'}), n
			if c.header != "" {
				want++ // the header row
				if !bytes.HasPrefix(body, []byte(c.header)) {
					t.Errorf("%s: starts with %.40q; want the header row", c.query, body)
				}
			}
			// Every row ends in a newline, and the CSV's quoted new lines
			// add one each: count rows by the line that starts each.
			if c.header != "" {
				lines = bytes.Count(body, []byte("\n0")) + bytes.Count(body, []byte("\n1")) + 1 // ids are UUIDv7: 0190…
			}
			if lines != want {
				t.Errorf("%s: got %d rows; want %d", c.query, lines, want)
			}
			select {
			case out := <-httpapi.ExportEnded(c.query):
				if out.Err != nil || out.Rows != n {
					t.Errorf("%s: the export ended after %d rows with %v; want %d and no error", c.query, out.Rows, out.Err, n)
				}
			case <-time.After(time.Minute):
				t.Errorf("%s: the export did not tell how it ended", c.query)
			}
		}
	})

	t.Run("the client stops reading", func(t *testing.T) {
		query := "format=ndjson&from=2030-12-30&status=planned"
		res, err := client.Get(base + query)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(bufio.NewReader(res.Body), make([]byte, 64<<10)); err != nil {
			t.Fatal(err)
		}
		res.Body.Close() // with most of the export unread: the connection goes
		select {
		case out := <-httpapi.ExportEnded(query):
			if out.Err == nil || out.Rows >= n {
				t.Errorf("the export ended after %d of %d rows with %v; want it stopped early with an error", out.Rows, n, out.Err)
			}
		case <-time.After(time.Minute):
			t.Fatal("the export did not stop after the client went")
		}
	})
}
