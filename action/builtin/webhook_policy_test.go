package builtin

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	must "github.com/stretchr/testify/require"
)

// newHookServerAt starts a hook server listening on addr, such as
// "127.0.0.2:0": a second loopback address stands for a server the policy
// does not allow. It skips the test where the system has no such address.
func newHookServerAt(t *testing.T, addr string, handle http.HandlerFunc) *hookServer {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	s := newUnstartedHookServer(handle)
	_ = s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// runWebhook loads a webhook that waits for feedback, posting to u under
// the policy, and runs it once.
func runWebhook(t *testing.T, u string, pol *WebhookPolicy) (action.Result, *fakeTurn) {
	t.Helper()
	w := newWebhook(t, u, true, Ports{Webhooks: pol})
	turn := newFakeTurn()
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err, "a failing call is the action's failure, not an error")
	return res, turn
}

// TestNotGlobal checks the address rule against IANA's special-purpose
// registries: only global unicast addresses pass.
func TestNotGlobal(t *testing.T) {
	refused := map[string]string{
		"0.0.0.0":         "this network",
		"0.1.2.3":         "this network",
		"10.1.2.3":        "private",
		"100.64.0.1":      "shared",
		"127.8.9.10":      "loopback",
		"169.254.169.254": "link-local",
		"172.16.0.1":      "private",
		"192.0.0.9":       "IETF protocol assignment",
		"192.0.2.10":      "documentation",
		"192.31.196.1":    "AS112",
		"192.52.193.1":    "AMT",
		"192.88.99.1":     "6to4 relay",
		"192.168.1.1":     "private",
		"192.175.48.1":    "AS112",
		"198.18.0.1":      "benchmarking",
		"198.19.255.255":  "benchmarking",
		"198.51.100.7":    "documentation",
		"203.0.113.200":   "documentation",
		"224.0.0.1":       "multicast",
		"239.255.255.250": "multicast",
		"240.0.0.1":       "reserved",
		"255.255.255.255": "broadcast",

		"::":                 "unspecified",
		"::1":                "loopback",
		"::127.0.0.1":        "IPv4-compatible",
		"::ffff:127.0.0.1":   "loopback",
		"::ffff:192.0.2.1":   "documentation",
		"64:ff9b::7f00:1":    "embedding 127.0.0.1",
		"64:ff9b::c000:201":  "embedding 192.0.2.1",
		"64:ff9b:1::808:808": "local-use NAT64",
		"100::1":             "discard-only",
		"2001::1":            "Teredo",
		"2001:2::1":          "benchmarking",
		"2001:1::1":          "IETF protocol assignment",
		"2001:20::1":         "IETF protocol assignment",
		"2001:db8::1":        "documentation",
		"2002:7f00:1::1":     "embedding 127.0.0.1",
		"2002:c0a8:101::1":   "embedding 192.168.1.1",
		"2620:4f:8000::1":    "AS112",
		"3fff::1":            "documentation",
		"5f00::1":            "segment-routing",
		"fc00::1":            "unique local",
		"fd12:3456::1":       "unique local",
		"fe80::1":            "link-local",
		"fe80::1%eth0":       "link-local",
		"fec0::1":            "site-local",
		"ff02::1":            "multicast",
		"ff0e::1":            "multicast",
		"400::1":             "global unicast range",
	}
	for s, why := range refused {
		ip := netip.MustParseAddr(s)
		assert.Contains(t, notGlobal(ip), why, s)
		err := addressRule{}.check(netip.AddrPortFrom(ip, 443))
		assert.ErrorIs(t, err, ErrWebhookAddress, s)
		if err != nil {
			assert.Contains(t, err.Error(), why, s)
		}
	}
	for _, s := range []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "192.0.3.1", "198.20.0.1", "203.0.114.1", "100.128.0.1",
		"2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	} {
		ip := netip.MustParseAddr(s)
		assert.Empty(t, notGlobal(ip), s)
		assert.NoError(t, addressRule{}.check(netip.AddrPortFrom(ip, 443)), s)
	}
}

func TestAddressRuleAllow(t *testing.T) {
	rule := addressRule{allow: []netip.Prefix{netip.MustParsePrefix("10.1.2.3/32"), netip.MustParsePrefix("fd00:1::/64")}}
	for s, ok := range map[string]bool{
		"10.1.2.3": true, "::ffff:10.1.2.3": true, "10.1.2.4": false, "fd00:1::5": true, "fd00:2::5": false, "127.0.0.1": false, "8.8.8.8": true,
	} {
		err := rule.check(netip.AddrPortFrom(netip.MustParseAddr(s), 80))
		if ok {
			assert.NoError(t, err, s)
		} else {
			assert.ErrorIs(t, err, ErrWebhookAddress, s)
		}
	}
}

// TestWebhookAllowOneServer: allowing one server's address lets calls reach
// it and no other non-global address.
func TestWebhookAllowOneServer(t *testing.T) {
	allowed := newHookServer(t, respond(`{"botMessage": "allowed"}`))
	other := newHookServerAt(t, "127.0.0.2:0", respond(`{"botMessage": "not allowed"}`))
	pol := &WebhookPolicy{Allow: loopback}

	res, turn := runWebhook(t, allowed.URL, pol)
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, []string{"allowed"}, turn.said)

	res, turn = runWebhook(t, other.URL, pol)
	assert.Equal(t, action.Fail, res.Status)
	assert.ErrorIs(t, res.Err, ErrWebhookAddress)
	assert.Contains(t, res.Reason, "127.0.0.2 is a loopback address")
	assert.Equal(t, []string{"Sorry, Ada."}, turn.said)
	assert.Zero(t, other.calls(), "nothing reaches the server")
}

// TestWebhookAllowHosts: a host name of AllowHosts may resolve to any
// address; the same server by its address stays refused.
func TestWebhookAllowHosts(t *testing.T) {
	srv := newHookServer(t, respond(`{"botMessage": "by name"}`))
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, host := range []string{"localhost", "LocalHost", "localhost."} {
		res, turn := runWebhook(t, byName, &WebhookPolicy{AllowHosts: []string{host}})
		must.Equal(t, action.Done, res.Status, "%s: %s", host, res.Reason)
		assert.Equal(t, []string{"by name"}, turn.said)
	}
	res, _ := runWebhook(t, srv.URL, &WebhookPolicy{AllowHosts: []string{"localhost", "127.0.0.1"}})
	assert.ErrorIs(t, res.Err, ErrWebhookAddress, "an address in AllowHosts has no effect")
	res, _ = runWebhook(t, byName, &WebhookPolicy{AllowHosts: []string{"example.com"}})
	assert.ErrorIs(t, res.Err, ErrWebhookAddress)
	assert.Equal(t, 3, srv.calls())
}

// TestWebhookHostClientKeepsTheRule: a client of the host's gets the
// address rule unless the policy trusts it.
func TestWebhookHostClientKeepsTheRule(t *testing.T) {
	srv := newHookServer(t, respond(`{"botMessage": "via the host's client"}`))
	var dialled atomic.Int32
	own := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialled.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	for name, tc := range map[string]struct {
		pol  *WebhookPolicy
		fail bool
	}{
		"host client":                {pol: &WebhookPolicy{Client: srv.Client()}, fail: true},
		"nil transport":              {pol: &WebhookPolicy{Client: &http.Client{}}, fail: true},
		"own dialer":                 {pol: &WebhookPolicy{Client: &http.Client{Transport: own}}, fail: true},
		"host client, allowed":       {pol: &WebhookPolicy{Client: srv.Client(), Allow: loopback}},
		"host client, trusted":       {pol: &WebhookPolicy{Client: srv.Client(), TrustClient: true}},
		"own dialer, trusted client": {pol: &WebhookPolicy{Client: &http.Client{Transport: own}, TrustClient: true}},
	} {
		t.Run(name, func(t *testing.T) {
			before := srv.calls()
			res, turn := runWebhook(t, srv.URL, tc.pol)
			if tc.fail {
				assert.Equal(t, action.Fail, res.Status)
				assert.ErrorIs(t, res.Err, ErrWebhookAddress)
				assert.Equal(t, before, srv.calls(), "nothing reaches the server")
				return
			}
			must.Equal(t, action.Done, res.Status, res.Reason)
			assert.Equal(t, []string{"via the host's client"}, turn.said)
		})
	}
	assert.EqualValues(t, 1, dialled.Load(), "a transport's own dialer is only used when the client is trusted")
}

// roundTripFunc is an http.RoundTripper that is not an *http.Transport.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestWebhookUnguardableClient: a client whose connections the rule cannot
// see fails to load unless the policy trusts it.
func TestWebhookUnguardableClient(t *testing.T) {
	srv := newHookServer(t, respond(`{"botMessage": "through the wrapper"}`))
	wrapped := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return srv.Client().Transport.RoundTrip(r)
	})}
	tlsDialer := &http.Client{Transport: &http.Transport{DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("not used")
	}}}
	for name, client := range map[string]*http.Client{"round tripper": wrapped, "TLS dialer": tlsDialer} {
		t.Run(name, func(t *testing.T) {
			_, _, err := load(t, WebhookType, `{"url": "`+srv.URL+`"}`, store.Stores{}, Ports{Webhooks: &WebhookPolicy{Client: client}})
			assert.ErrorIs(t, err, ErrWebhookClient)
			assert.Equal(t, "", problem(t, err).Path, "the whole action is concerned")
			assert.Contains(t, err.Error(), "TrustClient")
		})
	}

	res, turn := runWebhook(t, srv.URL, &WebhookPolicy{Client: wrapped, TrustClient: true})
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, []string{"through the wrapper"}, turn.said)
}

// TestWebhookHostClientProxy: a call the host's transport would send
// through a proxy fails, as the rule cannot see the address it reaches.
func TestWebhookHostClientProxy(t *testing.T) {
	proxy := newHookServer(t, respond(`{"botMessage": "from the proxy"}`))
	pu, err := url.Parse(proxy.URL)
	must.NoError(t, err)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}

	res, turn := runWebhook(t, "http://hooks.example.com/bot", &WebhookPolicy{Client: client, Allow: loopback})
	assert.Equal(t, action.Fail, res.Status)
	assert.ErrorIs(t, res.Err, ErrWebhookClient)
	assert.Contains(t, res.Reason, "proxy "+pu.Host)
	assert.Equal(t, []string{"Sorry, Ada."}, turn.said)
	assert.Zero(t, proxy.calls())

	res, turn = runWebhook(t, "http://hooks.example.com/bot", &WebhookPolicy{Client: client, TrustClient: true})
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, []string{"from the proxy"}, turn.said, "a trusted client uses its proxy")
}

// TestWebhookCrossHostRedirectRefused: a redirect to another host is not
// followed, so the webhook's credentials never reach it, even where the
// policy allows that host.
func TestWebhookCrossHostRedirectRefused(t *testing.T) {
	other := newHookServer(t, respond(`{"botMessage": "thanks for the token"}`))
	otherPort := other.URL[strings.LastIndex(other.URL, ":")+1:]
	for name, target := range map[string]string{
		"other host name":   "http://localhost:" + otherPort + "/steal",
		"other port":        other.URL + "/steal",
		"other IP address":  strings.Replace(other.URL, "127.0.0.1", "127.0.0.2", 1) + "/steal",
		"other host, https": "https://localhost:" + otherPort + "/steal",
	} {
		t.Run(name, func(t *testing.T) {
			first := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target+"?from="+r.URL.RawQuery, http.StatusTemporaryRedirect)
			})
			w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+first.URL+`/hook?key=s3cr3t", "waitForResponse": true,
				"headers": {"Authorization": "Bearer t0ken", "X-Api-Key": "k3y"}}`, store.Stores{},
				Ports{Webhooks: &WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHosts: []string{"localhost"}}})
			turn := newFakeTurn()
			res, err := w.Run(context.Background(), turn)
			must.NoError(t, err)
			assert.Equal(t, action.Fail, res.Status)
			assert.ErrorIs(t, res.Err, ErrWebhookRedirect)
			assert.Contains(t, res.Reason, "to another host")
			assert.NotContains(t, res.Reason, "s3cr3t", "the redirect's query stays out of reasons")
			assert.NotContains(t, turn.said, "thanks for the token")
			assert.Equal(t, 1, first.calls())
		})
	}
	assert.Zero(t, other.calls(), "neither the credentials nor the conversation reach another host")
}

// TestWebhookSameHostRedirect: a redirect on the same server is followed
// with the request's headers, also through a host's client, whose own
// redirect rule runs after the webhook's.
func TestWebhookSameHostRedirect(t *testing.T) {
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
			return
		}
		respond(`{"botMessage": "moved"}`)(w, r)
	})
	var hostRule atomic.Int32
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { hostRule.Add(1); return nil }
	for name, pol := range map[string]*WebhookPolicy{
		"own client":  {Allow: loopback},
		"host client": {Allow: loopback, Client: client},
	} {
		t.Run(name, func(t *testing.T) {
			before := srv.calls()
			w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+srv.URL+`/old", "waitForResponse": true,
				"headers": {"Authorization": "Bearer t0ken", "X-Api-Key": "k3y"}}`, store.Stores{}, Ports{Webhooks: pol})
			turn := newFakeTurn()
			res, err := w.Run(context.Background(), turn)
			must.NoError(t, err)
			must.Equal(t, action.Done, res.Status, res.Reason)
			assert.Equal(t, []string{"moved"}, turn.said)
			must.Equal(t, before+2, srv.calls())
			assert.Equal(t, "Bearer t0ken", srv.header(t, before+1).Get("Authorization"))
			assert.Equal(t, "k3y", srv.header(t, before+1).Get("X-Api-Key"))
		})
	}
	assert.EqualValues(t, 1, hostRule.Load(), "the host client's own rule still runs")
}

func TestCheckWebhookRedirect(t *testing.T) {
	req := func(u string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		must.NoError(t, err)
		return r
	}
	assert.NoError(t, checkWebhookRedirect(req("https://a.example/next"), []*http.Request{req("https://a.example/")}))
	assert.NoError(t, checkWebhookRedirect(req("https://A.Example./"), []*http.Request{req("https://a.example:443/")}), "same host, same port")
	assert.NoError(t, checkWebhookRedirect(req("https://a.example/"), []*http.Request{req("http://a.example/")}), "upgrade on the default ports")
	assert.NoError(t, checkWebhookRedirect(req("http://a.example:8080/b"), []*http.Request{req("http://a.example:8080/a")}))
	for _, to := range []string{"https://b.example/", "https://a.example.evil/", "https://sub.a.example/", "https://a.example:8443/", "http://a.example:81/"} {
		assert.ErrorIs(t, checkWebhookRedirect(req(to), []*http.Request{req("http://a.example/")}), ErrWebhookRedirect, to)
	}
	assert.ErrorIs(t, checkWebhookRedirect(req("https://b.example/"), []*http.Request{req("https://a.example/"), req("https://a.example/x")}),
		ErrWebhookRedirect, "the webhook's own host counts, not the last hop's")
	assert.ErrorIs(t, checkWebhookRedirect(req("https://a.example:8443/"), []*http.Request{req("http://a.example:8080/")}), ErrWebhookRedirect,
		"an upgrade only on the default ports")
	assert.ErrorIs(t, checkWebhookRedirect(req("http://a.example/"), []*http.Request{req("https://a.example/")}), ErrWebhookRedirect, "no downgrade")
	assert.ErrorIs(t, checkWebhookRedirect(req("ftp://a.example/"), []*http.Request{req("http://a.example/")}), ErrWebhookRedirect)
	three := []*http.Request{req("http://a/"), req("http://a/"), req("http://a/")}
	assert.NoError(t, checkWebhookRedirect(req("http://a/"), three), "three redirects are followed")
	four := []*http.Request{req("http://a/"), req("http://a/"), req("http://a/"), req("http://a/")}
	assert.ErrorIs(t, checkWebhookRedirect(req("http://a/"), four), ErrWebhookRedirect)
}

// TestWebhookRedirectDowngradeRefused follows a real redirect from an
// https server to http.
func TestWebhookRedirectDowngradeRefused(t *testing.T) {
	plain := newHookServer(t, respond(`{"botMessage": "in the clear"}`))
	secure := newUnstartedHookServer(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL, http.StatusTemporaryRedirect)
	})
	secure.StartTLS()
	t.Cleanup(secure.Close)

	res, turn := runWebhook(t, secure.URL, &WebhookPolicy{Client: secure.Client(), Allow: loopback})
	assert.Equal(t, action.Fail, res.Status)
	assert.ErrorIs(t, res.Err, ErrWebhookRedirect)
	assert.Contains(t, res.Reason, "from https to http")
	assert.NotContains(t, turn.said, "in the clear")
	assert.Equal(t, 1, secure.calls())
	assert.Zero(t, plain.calls())
}
