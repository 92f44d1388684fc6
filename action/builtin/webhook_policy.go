package builtin

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
)

// ErrWebhookClient reports a WebhookPolicy.Client whose connections the
// address rule cannot check (see WebhookPolicy.Client), in a policy that
// does not trust it.
var ErrWebhookClient = errors.New("builtin: webhook client cannot be guarded")

// maxWebhookRedirects is how many redirects one webhook call follows.
const maxWebhookRedirects = 3

// maxWebhookHeaderBytes bounds the response headers of a webhook call.
const maxWebhookHeaderBytes = 64 << 10

// The defaults of WebhookPolicy.
const (
	// DefaultWebhookTimeout bounds one webhook call.
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultWebhookMaxResponseBytes bounds a webhook's response body.
	DefaultWebhookMaxResponseBytes = 1 << 20
)

// WebhookPolicy configures the calls of the webhook action. The zero value
// is the default policy: DefaultWebhookTimeout,
// DefaultWebhookMaxResponseBytes, a fresh client for each call, and global
// unicast addresses only; a field left zero takes its default. The engine
// reads the policy at every call: do not change it while the engine runs.
//
// # Addresses
//
// Every address a call connects to — after DNS resolution, and again for
// each redirect — must be a global unicast address: not in any block of
// IANA's special-purpose address registries for IPv4 and IPv6 (loopback,
// private, shared, link-local, documentation, benchmarking, the IETF
// protocol assignments, AS112 and other anycast infrastructure, …), not
// multicast, broadcast or reserved, and for IPv6 within 2000::/3. An
// address that embeds IPv4 (IPv4-mapped, NAT64's 64:ff9b::/96, 6to4) is
// judged by the IPv4 address. So neither a host name that resolves to an
// internal address nor a redirect can reach the host's network; a refused
// call fails with an error matching ErrWebhookAddress.
//
// Allow and AllowHosts open the rule for the servers a host means to reach
// (an internal CRM, a test server) without switching it off for others.
type WebhookPolicy struct {
	// Client makes the requests; nil means a fresh client for each call,
	// built for the policy: no proxy, no connection kept after the call.
	//
	// A client of the host's keeps the address rule unless TrustClient is
	// set: for each call, its Transport (nil means http.DefaultTransport)
	// must be an *http.Transport, which is cloned; the clone dials through
	// the guarded dialer (the transport's own Dial and DialContext are not
	// used) and its idle connections are closed after the call. Everything
	// else of the client is kept: TLS settings, timeouts, HTTP/2, cookie
	// jar, and its CheckRedirect after the webhook's own redirect rule. A
	// transport that is not an *http.Transport or that dials TLS itself
	// (DialTLS, DialTLSContext) makes every flow with a webhook fail to
	// load, and a call its Proxy would send through a proxy fails, with an
	// error matching ErrWebhookClient: the rule cannot see the address such
	// a connection reaches.
	Client *http.Client
	// TrustClient says that Client enforces its own rules on the addresses
	// it reaches (an egress proxy, a sandboxed network): it is then used as
	// it is, without the address rule, Allow and AllowHosts. The webhook's
	// redirect rule and limits still apply.
	TrustClient bool
	// Timeout bounds one call; 0 means DefaultWebhookTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds the response body read; 0 means
	// DefaultWebhookMaxResponseBytes.
	MaxResponseBytes int64
	// Allow are address blocks a call may connect to although they are not
	// global unicast, such as netip.MustParsePrefix("10.1.2.3/32") for one
	// internal server. An address matches as it is dialled, and for
	// IPv4-mapped IPv6 also as IPv4. 0.0.0.0/0 and ::/0 switch the rule off.
	Allow []netip.Prefix
	// AllowHosts are host names (as in a webhook's URL, without port;
	// case-insensitive, no wildcards) whose addresses are not checked:
	// whatever such a name resolves to may be reached. An IP address here
	// has no effect; use Allow.
	AllowHosts []string
	// SigningKey, if set, signs every webhook request: the request carries
	// the hook.SignatureHeader header, an HMAC-SHA256 of the timestamp and
	// the body (see hook.SignatureHeader for the scheme, hook.VerifySignature
	// for receivers). A webhook's signingSecret signs with its own key
	// instead, so that receivers need not share one.
	SigningKey []byte
	// Clock returns the time a signature carries; nil means time.Now.
	Clock func() time.Time
}

// now is the policy's clock.
func (pol WebhookPolicy) now() time.Time {
	if pol.Clock != nil {
		return pol.Clock()
	}
	return time.Now()
}

// webhookPolicy returns the effective policy: p with defaults for the
// fields left zero (all of them when p is nil).
func webhookPolicy(p *WebhookPolicy) WebhookPolicy {
	var out WebhookPolicy
	if p != nil {
		out = *p
	}
	if out.Timeout <= 0 {
		out.Timeout = DefaultWebhookTimeout
	}
	if out.MaxResponseBytes <= 0 {
		out.MaxResponseBytes = DefaultWebhookMaxResponseBytes
	}
	return out
}

// checkClient reports a host client the policy cannot guard; it is what
// webhookClient would refuse, checked when a flow loads.
func (pol WebhookPolicy) checkClient() error {
	if pol.Client == nil || pol.TrustClient {
		return nil
	}
	_, err := guardableTransport(pol.Client.Transport)
	return err
}

// webhookClient returns the client for one call under the policy and a
// function that releases its resources.
func webhookClient(pol WebhookPolicy) (*http.Client, func(), error) {
	if pol.Client == nil {
		// The call's context bounds the dial, the TLS handshake, the wait
		// for the headers and the reading of the body alike.
		tr := &http.Transport{
			DialContext:            guardedDial(pol),
			DisableKeepAlives:      true,
			MaxResponseHeaderBytes: maxWebhookHeaderBytes,
		}
		return &http.Client{Transport: tr, CheckRedirect: checkWebhookRedirect}, tr.CloseIdleConnections, nil
	}
	c := *pol.Client // a copy: the host's client is not changed
	if own := pol.Client.CheckRedirect; own != nil {
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if err := checkWebhookRedirect(req, via); err != nil {
				return err
			}
			return own(req, via)
		}
	} else {
		c.CheckRedirect = checkWebhookRedirect
	}
	if pol.TrustClient {
		return &c, func() {}, nil
	}
	base, err := guardableTransport(c.Transport)
	if err != nil {
		return nil, nil, err
	}
	tr := base.Clone()
	tr.Dial = nil // it would take precedence over DialContext
	tr.DialContext = guardedDial(pol)
	if tr.MaxResponseHeaderBytes == 0 {
		tr.MaxResponseHeaderBytes = maxWebhookHeaderBytes
	}
	if proxy := tr.Proxy; proxy != nil {
		tr.Proxy = func(r *http.Request) (*url.URL, error) {
			u, err := proxy(r)
			if err != nil || u == nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: it would send the call through proxy %s, past the address rule", ErrWebhookClient, u.Host)
		}
	}
	c.Transport = tr
	return &c, tr.CloseIdleConnections, nil
}

// guardableTransport returns the *http.Transport of a host client's
// Transport (nil means http.DefaultTransport), or an error matching
// ErrWebhookClient when the address rule cannot guard it.
func guardableTransport(rt http.RoundTripper) (*http.Transport, error) {
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("%w: its Transport is a %T, not an *http.Transport; set WebhookPolicy.TrustClient if it enforces its own address rules", ErrWebhookClient, rt)
	}
	if tr.DialTLSContext != nil || tr.DialTLS != nil {
		return nil, fmt.Errorf("%w: its Transport dials TLS connections itself; set WebhookPolicy.TrustClient if it enforces its own address rules", ErrWebhookClient)
	}
	return tr, nil
}

// guardedDial returns the dial function of a call's transport: each
// address it connects to, after DNS resolution, must pass the policy's
// address rule, unless the host name is one of AllowHosts.
func guardedDial(pol WebhookPolicy) func(ctx context.Context, network, addr string) (net.Conn, error) {
	rule := addressRule{allow: pol.Allow}
	guarded := &net.Dialer{
		Timeout: pol.Timeout,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot check address %q", ErrWebhookAddress, address)
			}
			return rule.check(ap)
		},
	}
	if len(pol.AllowHosts) == 0 {
		return guarded.DialContext
	}
	hosts := make(map[string]bool, len(pol.AllowHosts))
	for _, h := range pol.AllowHosts {
		hosts[normalHost(h)] = true
	}
	open := &net.Dialer{Timeout: pol.Timeout}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h, _, err := net.SplitHostPort(addr); err == nil {
			if _, err := netip.ParseAddr(h); err != nil && hosts[normalHost(h)] {
				return open.DialContext(ctx, network, addr)
			}
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

// normalHost is a host name as AllowHosts matches it: lower case, without
// a final dot.
func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// checkWebhookRedirect is the webhook's redirect rule: at most
// maxWebhookRedirects, only http(s), never from https to http, and never to
// another host than the webhook's URL names, so that the request's headers
// (credentials) only reach the server the flow names.
func checkWebhookRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxWebhookRedirects {
		return fmt.Errorf("%w: stopped after %d redirects", ErrWebhookRedirect, maxWebhookRedirects)
	}
	from, to := via[0].URL, req.URL
	switch to.Scheme {
	case "http":
		if from.Scheme == "https" {
			return fmt.Errorf("%w: from https to http", ErrWebhookRedirect)
		}
	case "https":
	default:
		return fmt.Errorf("%w: to scheme %q", ErrWebhookRedirect, to.Scheme)
	}
	if !sameWebhookHost(from, to) {
		// Only the host: the path and query may carry secrets.
		return fmt.Errorf("%w: to another host, %s", ErrWebhookRedirect, to.Host)
	}
	return nil
}

// sameWebhookHost reports whether a redirect from one URL to another stays
// on the same server: the same host name (ignoring case and a final dot)
// and port, or an upgrade from http on port 80 to https on port 443.
func sameWebhookHost(from, to *url.URL) bool {
	if normalHost(from.Hostname()) != normalHost(to.Hostname()) {
		return false
	}
	fp, tp := urlPort(from), urlPort(to)
	return fp == tp || from.Scheme == "http" && fp == "80" && to.Scheme == "https" && tp == "443"
}

// urlPort is a URL's port, or its scheme's default.
func urlPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}
