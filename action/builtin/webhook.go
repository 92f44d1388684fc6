package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
)

// WebhookType is the type name of Webhook in flow JSON.
const WebhookType = "webhook"

// ErrWebhookAddress reports a webhook call refused because the address it
// would connect to is not public (loopback, private, link-local, multicast,
// unspecified or reserved) and the policy does not allow private addresses.
var ErrWebhookAddress = errors.New("builtin: webhook address not allowed")

// ErrWebhookStatus reports a webhook that answered with a status other
// than 2xx.
var ErrWebhookStatus = errors.New("builtin: webhook answered with an error status")

// ErrWebhookTooLarge reports a webhook response body larger than the
// policy's MaxResponseBytes.
var ErrWebhookTooLarge = errors.New("builtin: webhook response too large")

// ErrWebhookRedirect reports a redirect the webhook action refuses to
// follow (see Webhook).
var ErrWebhookRedirect = errors.New("builtin: webhook redirect refused")

// maxWebhookRedirects is how many redirects one webhook call follows.
const maxWebhookRedirects = 3

// maxWebhookHeaderBytes bounds the response headers of a webhook call.
const maxWebhookHeaderBytes = 64 << 10

// webhookUserAgent is sent unless the settings set a User-Agent header.
const webhookUserAgent = "chatflow-webhook/1"

// The defaults of WebhookPolicy.
const (
	// DefaultWebhookTimeout bounds one webhook call.
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultWebhookMaxResponseBytes bounds a webhook's response body.
	DefaultWebhookMaxResponseBytes = 1 << 20
)

// WebhookPolicy configures the calls of the webhook action. The zero value
// is the default policy: DefaultWebhookTimeout, DefaultWebhookMaxResponseBytes
// and public addresses only; a field left zero takes its default.
type WebhookPolicy struct {
	// Client makes the requests; nil means a fresh client for each call,
	// built for the policy (see Webhook).
	Client *http.Client
	// Timeout bounds one call; 0 means DefaultWebhookTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds the response body read; 0 means
	// DefaultWebhookMaxResponseBytes.
	MaxResponseBytes int64
	// AllowPrivate permits loopback, private and link-local addresses,
	// which are refused by default.
	AllowPrivate bool
}

// Webhook posts the conversation to a URL (SPEC §3.12) with the JSON
// request of SPEC §13 (type hook.Request).
//
//	{"type": "webhook", "settings": {
//	  "url": "https://hooks.example.com/chatbot",
//	  "waitForResponse": true,
//	  "headers": {"Authorization": "Bearer s3cr3t"},
//	  "errorMessage": ["Sorry, I can't look that up right now."]}}
//
// Without WaitForResponse the call is still made during the turn, bounded
// by the policy's timeout, and its body is ignored: any 2xx status counts
// as success. With it, the response (type hook.Response, JSON; an empty body
// is an empty response) steers the conversation:
//
//   - botMessage is said as it is, never evaluated as a template (the
//     request carries the contact's properties, so the webhook can
//     personalise the text itself, and a template would run a visitor's
//     echoed words);
//   - quickReplies are offered with it (free text stays allowed); without
//     responseExpected, the next action that waits receives the click;
//   - responseExpected makes the action wait: the visitor's reply is posted
//     again with the same contract (nextModuleNickname is then ignored);
//   - nextModuleNickname names the next action; empty follows the action's
//     branches and default next; a name the flow lacks fails the action;
//   - customState (a JSON object, at most MaxCustomStateBytes) is kept with
//     the session and sent with every later webhook or snippet call; null
//     clears it, and leaving it out keeps the previous state.
//
// A failed call — transport error, timeout, status other than 2xx, a
// response larger than the policy allows, malformed JSON, or a response
// that breaks the contract — says ErrorMessage, if set, and fails the
// action: the engine then follows its failure path, or else shows the
// general error message as well. The action_failed event's reason says what
// went wrong; it names the URL's host but never its path or query, which
// may carry secrets.
//
// Calls follow Ports.Webhooks: nil, and any field left zero, means the
// defaults of WebhookPolicy. The policy's timeout bounds
// the whole call (connecting, waiting, reading the body) and its
// MaxResponseBytes the body read. Unless the policy sets its own Client,
// each call uses a fresh connection (nothing stays open after the turn), no
// proxy from the environment, at most three redirects and no redirect from
// https to http; and unless AllowPrivate is set, every address the call
// connects to — after DNS resolution, and for each redirect — must be
// public, so neither a hostname that resolves to an internal address nor a
// redirect can reach the host's network. A Client set in the policy is used
// as it is: connections, proxies, redirects and the addresses it may reach
// are then its business. Each request carries an Idempotency-Key header
// unique to the action and the visitor's message, so a receiver can
// recognize a call repeated because the host retried a message.
type Webhook struct {
	// URL is the http or https address the request is posted to.
	URL string `json:"url"`
	// WaitForResponse makes the action apply the webhook's response
	// (HubSpot's "wait for the webhook's feedback").
	WaitForResponse bool `json:"waitForResponse,omitempty"`
	// Headers are extra request headers, e.g. for authentication. Host,
	// Content-Length, Content-Type, Connection and Transfer-Encoding cannot
	// be set.
	Headers map[string]string `json:"headers,omitempty"`
	// ErrorMessage is said when the call fails, before the failure path.
	ErrorMessage action.Messages `json:"errorMessage,omitempty"`

	svc     *services
	host    string          // the URL's host, for failure reasons
	actions map[string]bool // the flow's action names
}

// Provision checks the URL and headers.
func (w *Webhook) Provision(p action.Provision) error {
	if w.URL == "" {
		return p.Errorf("url", "a webhook needs a url")
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return p.Errorf("url", "%w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return p.Errorf("url", "the scheme must be http or https, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return p.Errorf("url", "the url has no host")
	}
	names := make([]string, 0, len(w.Headers))
	for k := range w.Headers {
		names = append(names, k)
	}
	sort.Strings(names) // report the first bad header deterministically
	for _, k := range names {
		if err := checkWebhookHeader(k, w.Headers[k]); err != nil {
			return p.Errorf("headers."+k, "%w", err)
		}
	}
	w.host, w.actions = u.Host, actionSet(p)
	if w.WaitForResponse {
		p.ChoosesNext()
	}
	return nil
}

// checkWebhookHeader checks a header name (an HTTP token) and value (no
// control characters but tab).
func checkWebhookHeader(name, value string) error {
	if name == "" {
		return errors.New("empty header name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return fmt.Errorf("invalid header name %q", name)
		}
	}
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Content-Length", "Content-Type", "Connection", "Transfer-Encoding":
		return fmt.Errorf("header %q is set by the webhook action", name)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
			return fmt.Errorf("header %q has a control character in its value", name)
		}
	}
	return nil
}

// Run posts the visitor's latest input and applies the response.
func (w *Webhook) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	h := w.hook()
	return h.run(ctx, t, t.Input(), nil), nil
}

// Answer posts the visitor's reply to a response that expected one, and
// applies the new response. The reply is also recorded as the action's
// answer (answers.<action name>).
func (w *Webhook) Answer(ctx context.Context, t action.Turn, in action.Input) (action.Result, error) {
	h := w.hook()
	return h.answer(ctx, t, in), nil
}

func (w *Webhook) hook() *hookCall {
	return &hookCall{
		what:           "webhook call to " + w.hostName(),
		moduleType:     WebhookType,
		errorMessage:   w.ErrorMessage,
		ignoreResponse: !w.WaitForResponse,
		actions:        w.actions,
		call:           w.post,
	}
}

// post makes one call under the turn's webhook policy.
func (w *Webhook) post(ctx context.Context, t action.Turn, req hook.Request) (hook.Response, error) {
	pol := webhookPolicy(w.svc.ports.Webhooks)
	guard := refuseNonPublic
	if pol.AllowPrivate {
		guard = nil
	}
	client, release := newWebhookClient(pol, guard)
	defer release()
	return w.send(ctx, client, pol, req, t.IdempotencyKey())
}

// send posts req with client and reads the response.
func (w *Webhook) send(ctx context.Context, client *http.Client, pol WebhookPolicy, req hook.Request, idemKey string) (hook.Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return hook.Response{}, fmt.Errorf("encoding the request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, pol.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return hook.Response{}, stripURL(err)
	}
	for k, v := range w.Headers {
		hreq.Header.Set(k, v)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json")
	}
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", webhookUserAgent)
	}
	if idemKey != "" {
		hreq.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return hook.Response{}, timeoutError(ctx, pol, stripURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return hook.Response{}, fmt.Errorf("%w: %s", ErrWebhookStatus, resp.Status)
	}
	if !w.WaitForResponse {
		return hook.Response{}, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, pol.MaxResponseBytes+1))
	if err != nil {
		return hook.Response{}, timeoutError(ctx, pol, fmt.Errorf("reading the response: %w", err))
	}
	if int64(len(data)) > pol.MaxResponseBytes {
		return hook.Response{}, fmt.Errorf("%w: larger than %d bytes", ErrWebhookTooLarge, pol.MaxResponseBytes)
	}
	return decodeHookResponse(data)
}

// hostName is the URL's host, for failure reasons.
func (w *Webhook) hostName() string {
	if w.host != "" {
		return w.host
	}
	if u, err := url.Parse(w.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return "the webhook"
}

// stripURL drops the *url.Error wrapper, whose message repeats the full URL
// (which may carry secrets in its query).
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// timeoutError words a call that ran out of time.
func timeoutError(ctx context.Context, pol WebhookPolicy, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within %s: %w", pol.Timeout, context.DeadlineExceeded)
	}
	return err
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

// newWebhookClient returns the client for one call and a function that
// releases its resources. guard, if not nil, checks every address the
// client connects to, after DNS resolution; it runs for redirects too.
func newWebhookClient(pol WebhookPolicy, guard func(netip.AddrPort) error) (*http.Client, func()) {
	if pol.Client != nil {
		return pol.Client, func() {}
	}
	d := &net.Dialer{Timeout: pol.Timeout}
	if guard != nil {
		d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot check address %q", ErrWebhookAddress, address)
			}
			return guard(ap)
		}
	}
	// The call's context bounds the dial, the TLS handshake, the wait for
	// the headers and the reading of the body alike.
	tr := &http.Transport{
		DialContext:            d.DialContext,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: maxWebhookHeaderBytes,
	}
	return &http.Client{Transport: tr, CheckRedirect: checkWebhookRedirect}, tr.CloseIdleConnections
}

// checkWebhookRedirect limits redirects and refuses leaving http(s) or
// going from https to http.
func checkWebhookRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxWebhookRedirects {
		return fmt.Errorf("%w: stopped after %d redirects", ErrWebhookRedirect, maxWebhookRedirects)
	}
	switch req.URL.Scheme {
	case "http":
		if via[0].URL.Scheme == "https" {
			return fmt.Errorf("%w: from https to http", ErrWebhookRedirect)
		}
	case "https":
	default:
		return fmt.Errorf("%w: to scheme %q", ErrWebhookRedirect, req.URL.Scheme)
	}
	return nil
}

// refuseNonPublic is the address guard of policies without AllowPrivate.
func refuseNonPublic(ap netip.AddrPort) error {
	if why := nonPublic(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s is %s", ErrWebhookAddress, ap.Addr(), why)
	}
	return nil
}

// reservedPrefixes are ranges that are not globally reachable beyond those
// netip classifies; read-only.
var reservedPrefixes = [...]netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated)
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
}

// Prefixes of IPv6 addresses that embed an IPv4 address, which is checked
// in turn: the well-known NAT64 prefix (RFC 6052) at the end, 6to4 after
// the prefix; read-only.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// nonPublic says why an address is not public, or returns "".
func nonPublic(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	switch {
	case !ip.IsValid():
		return "not a valid address"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, p := range reservedPrefixes {
		if p.Contains(ip) {
			return "a reserved address"
		}
	}
	if ip.Is6() {
		b := ip.As16()
		if nat64Prefix.Contains(ip) {
			return embedded(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
		if sixToFour.Contains(ip) {
			return embedded(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return ""
}

// embedded says why an IPv6 address embedding v4 is not public.
func embedded(v4 netip.Addr) string {
	if why := nonPublic(v4); why != "" {
		return "an IPv6 address embedding " + v4.String() + ", " + why
	}
	return ""
}
