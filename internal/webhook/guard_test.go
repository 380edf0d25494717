package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// resolver answers from a table, as DNS would.
type resolver map[string][]string

func (r resolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, len(ips))
	for i, ip := range ips {
		out[i] = net.IPAddr{IP: net.ParseIP(ip)}
	}
	return out, nil
}

func TestBlocked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true},
		{"100.64.0.1", true},
		{"0.0.0.0", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"::1", true},
		{"::", true},
		{"fe80::1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"ff02::1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"64:ff9b::a00:1", true},
		{"2002:7f00:1::", true},
		{"93.184.216.34", false},
		{"100.128.0.1", false},
		{"2606:2800:220:1::", false},
	}
	for _, tc := range tests {
		if got := webhook.Blocked(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("Blocked(%s): got %v; want %v", tc.ip, got, tc.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	dns := resolver{
		"hooks.example.org":  {"93.184.216.34"},
		"inside.example.org": {"127.0.0.1"},
		"meta.example.org":   {"93.184.216.34", "169.254.169.254"},
	}
	tests := []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://hooks.example.org/in", false, true},
		{"https://unknown.example.org/in", false, true}, // refused at delivery if it resolves inward
		{"http://hooks.example.org/in", false, false},
		{"ftp://hooks.example.org/in", false, false},
		{"hooks.example.org/in", false, false},
		{"https://user:pw@hooks.example.org/in", false, false},
		{"https://127.0.0.1/in", false, false},
		{"https://10.0.0.7/in", false, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"https://[::1]/in", false, false},
		{"https://[::ffff:127.0.0.1]/in", false, false},
		{"https://localhost/in", false, false},
		{"https://inside.example.org/in", false, false},
		{"https://meta.example.org/in", false, false},
		{"http://127.0.0.1:8080/in", true, true},
		{"http://localhost/in", true, true},
	}
	for _, tc := range tests {
		g := webhook.Guard{AllowInsecure: tc.insecure, Resolver: dns}
		err := g.CheckURL(context.Background(), tc.url)
		if tc.ok {
			if err != nil {
				t.Errorf("CheckURL(%s, insecure %v): got %v; want nil", tc.url, tc.insecure, err)
			}
			continue
		}
		if got := apptest.FieldNames(t, err); len(got) != 1 || got[0] != "url" {
			t.Errorf("CheckURL(%s): got fields %v (%v); want [url]", tc.url, got, err)
		}
	}
}

// TestClientRefusesInsideAddresses dials through the delivery client: the
// guard runs on the address actually dialled, whatever the URL's host said.
func TestClientRefusesInsideAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, target := range []string{srv.URL, "http://localhost:" + strconv.Itoa(port), "http://[::1]:" + strconv.Itoa(port)} {
		res, err := webhook.Guard{}.Client(time.Second).Post(target, "application/json", strings.NewReader("{}"))
		if err == nil {
			res.Body.Close()
			t.Errorf("POST %s: got status %d; want the dial refused", target, res.StatusCode)
			continue
		}
		if !strings.Contains(err.Error(), "not allowed for webhooks") && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("POST %s: got %v; want the guard's refusal", target, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("got %d requests at the loopback receiver; want none", n)
	}
	// With the local-testing flag the same receiver is reached.
	res, err := webhook.Guard{AllowInsecure: true}.Client(time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("insecure POST: %v", err)
	}
	res.Body.Close()
	if n := hits.Load(); n != 1 {
		t.Errorf("insecure: got %d requests; want 1", n)
	}
}

func TestClientNeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	var inside atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inside.Add(1) }))
	t.Cleanup(target.Close)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL+"/latest/meta-data", http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	res, err := webhook.Guard{AllowInsecure: true}.Client(time.Second).Post(redirect.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("got status %d; want the redirect itself, 307", res.StatusCode)
	}
	if n := inside.Load(); n != 0 {
		t.Errorf("got %d requests at the redirect's target; want none", n)
	}
}
