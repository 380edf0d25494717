package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Resolver looks up a host's addresses; net.DefaultResolver is one, and
// tests inject their own.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Guard keeps deliveries from reaching inside the network (SSRF): a
// subscription's URL must be https and its host must not resolve to a
// loopback, private, link-local (cloud metadata), CGNAT, unspecified or
// multicast address. It checks the URL when a subscription is written and
// again, on the address actually dialled, at every delivery, because DNS can
// change in between.
type Guard struct {
	// AllowInsecure allows http and every address, for local testing only
	// (--webhook-allow-insecure).
	AllowInsecure bool
	Resolver      Resolver // net.DefaultResolver when nil
}

// lookupTimeout bounds the DNS lookup when a subscription is written.
const lookupTimeout = 3 * time.Second

// errBlocked is what a refused address fails with.
var errBlocked = errors.New("address is not allowed for webhooks (loopback, private, link-local, CGNAT, unspecified or multicast)")

// CheckURL returns an invalid-input error naming url when raw may not
// receive deliveries.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	if reason := g.urlProblem(ctx, raw); reason != "" {
		return (domain.Problems{{Name: "url", Reason: reason}}).Err()
	}
	return nil
}

func (g Guard) urlProblem(ctx context.Context, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "must be an absolute https URL"
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && g.AllowInsecure:
	default:
		return "must use https"
	}
	if u.User != nil {
		return "must not carry a user name or password"
	}
	if u.Fragment != "" {
		return "must not have a fragment"
	}
	if g.AllowInsecure {
		return ""
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if Blocked(ip) {
			return "must not point at a loopback, private, link-local, CGNAT, unspecified or multicast address"
		}
		return ""
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") || strings.HasSuffix(strings.ToLower(strings.TrimSuffix(host, ".")), ".localhost") {
		return "must not point at a loopback address"
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := g.resolver().LookupIPAddr(ctx, host)
	if err != nil {
		// A host that does not resolve now cannot be dialled either; the
		// check at every delivery refuses it if it later resolves inward.
		return ""
	}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && Blocked(ip) {
			return fmt.Sprintf("must not resolve to a loopback, private, link-local, CGNAT, unspecified or multicast address (%s resolves to %s)", host, ip.Unmap())
		}
	}
	return ""
}

func (g Guard) resolver() Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

var (
	cgnat  = netip.MustParsePrefix("100.64.0.0/10")
	thisV4 = netip.MustParsePrefix("0.0.0.0/8")
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
	bcast  = netip.MustParseAddr("255.255.255.255")
)

// Blocked reports whether deliveries must never reach ip: loopback, private
// (RFC 1918, fc00::/7), link-local (169.254.0.0/16 with the cloud metadata
// address, fe80::/10), CGNAT (100.64.0.0/10), unspecified, broadcast and
// multicast, also written IPv4-mapped or embedded in NAT64 or 6to4.
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return Blocked(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixTo4.Contains(ip):
			return Blocked(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || cgnat.Contains(ip) ||
		thisV4.Contains(ip) || ip == bcast
}

// control refuses to connect to a blocked address: it runs on the address
// actually dialled, after DNS, so a host that resolves inward at delivery
// time is refused however it resolved when the subscription was written.
func (g Guard) control(_, address string, _ syscall.RawConn) error {
	if g.AllowInsecure {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, errBlocked)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || Blocked(ip) {
		return fmt.Errorf("dial %s: %w", address, errBlocked)
	}
	return nil
}

// Client returns the HTTP client deliveries are sent with: every connection
// passes the guard, no proxy (it would dial for us, past the guard),
// redirects are never followed (a 3xx is a failed delivery), and a delivery
// takes at most timeout.
func (g Guard) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: g.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
