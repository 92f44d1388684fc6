package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
)

// WebhookType is the type name of Webhook in flow JSON.
const WebhookType = "webhook"

// ErrWebhookAddress reports a webhook call refused because an address it
// would connect to is not a global unicast address (loopback, private,
// link-local, documentation, multicast, …) and the policy does not allow
// it (see WebhookPolicy).
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

// webhookUserAgent is sent unless the settings set a User-Agent header.
const webhookUserAgent = "chatflow-webhook/1"

// Webhook posts the conversation to a URL (SPEC §3.12) with the JSON
// request of SPEC §13 (type hook.Request).
//
//	{"type": "webhook", "settings": {
//	  "url": "https://hooks.example.com/chatbot",
//	  "waitForResponse": true,
//	  "headers": {"X-Source": "chatbot"},
//	  "secretHeaders": {"Authorization": "crm_token"},
//	  "errorMessage": ["Sorry, I can't look that up right now."]}}
//
// Without WaitForResponse the webhook never holds the conversation: with
// Ports.WebhookOutbox set, the request is handed to the outbox (an
// EventWebhookQueued event) and the bot moves on at once, while the outbox
// delivers it with retries (see WebhookOutbox, WebhookSender); without an
// outbox it is sent once during the turn, bounded by the policy's timeout.
// Its response body is ignored and any 2xx status counts as success. A
// failure is an EventWebhookFailed event, never the end of the chat: the
// action completes, ErrorMessage is not said and the failure path is not
// taken. With WaitForResponse, the response (type hook.Response, JSON; an
// empty body is an empty response) steers the conversation:
//
//   - botMessage is said as it is, never evaluated as a template (the
//     request carries the contact's properties, so the webhook can
//     personalise the text itself, and a template would run a visitor's
//     echoed words); at most MaxBotMessageBytes;
//   - quickReplies are offered with it (free text stays allowed); without
//     responseExpected, the next action that waits receives the click; at
//     most MaxHookQuickReplies, each value and label at most
//     MaxQuickReplyBytes;
//   - responseExpected makes the action wait: the visitor's reply is posted
//     again with the same contract (nextModuleNickname is then ignored);
//   - nextModuleNickname names the next action; empty follows the action's
//     branches and default next; a name the flow lacks fails the action;
//   - customState (a JSON object, at most MaxCustomStateBytes) is kept with
//     the session and sent with every later webhook or snippet call; null
//     clears it, and leaving it out keeps the previous state.
//
// Texts of the response must be valid UTF-8 without NUL bytes. A failed
// call of a webhook that waits for feedback — transport error, timeout, status other than 2xx, a response
// larger than the policy allows, malformed JSON, or a response that breaks
// the contract or a limit — says ErrorMessage, if set, and fails the
// action: the engine then follows its failure path, or else shows the
// general error message as well. The action_failed event's reason says what
// went wrong; it names the URL's host but never its path or query, which
// may carry secrets. Its Err matches the cause: ErrWebhookAddress,
// ErrWebhookRedirect, ErrWebhookClient, ErrWebhookSecret, ErrWebhookStatus,
// ErrWebhookTooLarge, ErrHookResponse, context.DeadlineExceeded for the
// timeout, or the transport's own error.
//
// # Secrets and signatures
//
// A flow need not hold credentials: it can name secrets that the host
// resolves through Ports.Secrets at every call — urlSecret (the whole URL,
// for receivers whose address is the credential), secretHeaders (header
// values, such as "Authorization": "crm_token") and secretQuery (query
// parameters added to the URL). A flow that names a secret fails to load
// without Ports.Secrets; a secret that cannot be resolved, or is empty,
// fails the call with ErrWebhookSecret, whose text names the secret, never
// its value.
//
// With a signing key — the webhook's signingSecret, else the policy's
// SigningKey — every request carries a signature the receiver can check
// (hook.VerifySignature in Go):
//
//	Chatflow-Signature: t=1767600000,v1=5f3c…
//
// where t is the time of sending in Unix seconds and v1 the lower-case hex
// HMAC-SHA256, under the key, of t's digits, a full stop and the raw body.
// A receiver recomputes it over the body as received, compares in constant
// time, and refuses a t more than a few minutes from its clock, which
// bounds replays. The signature covers neither the URL nor the headers.
//
// Calls follow Ports.Webhooks: nil, and any field left zero, means the
// defaults of WebhookPolicy. The policy's timeout bounds the whole call
// (connecting, waiting, reading the body) and its MaxResponseBytes the body
// read. Every address a call connects to must be a global unicast address
// or one the policy allows (see WebhookPolicy), after DNS resolution and
// for each redirect, also when the host supplies its own Client unless the
// policy trusts it.
//
// A call follows at most three redirects, and only on the same server: to
// the URL's host name and port (an upgrade from http to https on the
// default ports included), never from https to http and never to another
// host, whose server would otherwise receive the request's headers, with
// their credentials, and its body. A receiver that moved must be changed
// in the flow; a refused redirect fails the call with an error matching
// ErrWebhookRedirect. Each request carries an Idempotency-Key header unique to
// the action and the visitor's message, so a receiver can recognize a call
// repeated because the host retried a message.
type Webhook struct {
	// URL is the http or https address the request is posted to. Exactly
	// one of URL and URLSecret is set.
	URL string `json:"url,omitempty"`
	// URLSecret names the secret (see Ports.Secrets) whose value is the
	// whole URL, for receivers whose address is itself the credential.
	URLSecret string `json:"urlSecret,omitempty"`
	// WaitForResponse makes the action apply the webhook's response
	// (HubSpot's "wait for the webhook's feedback").
	WaitForResponse bool `json:"waitForResponse,omitempty"`
	// Headers are extra request headers, e.g. for authentication. Host,
	// Content-Length, Content-Type, Connection, Transfer-Encoding and the
	// signature header cannot be set.
	Headers map[string]string `json:"headers,omitempty"`
	// SecretHeaders are extra request headers whose values are secrets:
	// each maps a header name to the name of the secret that is its whole
	// value ("Authorization": "crm_token", the secret being "Bearer …").
	// A header may not be in both Headers and SecretHeaders.
	SecretHeaders map[string]string `json:"secretHeaders,omitempty"`
	// SecretQuery are query parameters whose values are secrets: each maps
	// a parameter name to the name of the secret that is its value. They
	// are added to the URL's query, which may not set them too.
	SecretQuery map[string]string `json:"secretQuery,omitempty"`
	// SigningSecret names the secret whose value is the key that signs
	// this webhook's requests, instead of the policy's SigningKey.
	SigningSecret string `json:"signingSecret,omitempty"`
	// ErrorMessage is said when the call fails, before the failure path.
	ErrorMessage action.Messages `json:"errorMessage,omitempty"`

	svc     *services
	host    string          // the URL's host, for failure reasons
	actions map[string]bool // the flow's action names
}

// Provision checks the URL, the headers and the secrets' names.
func (w *Webhook) Provision(p action.Provision) error {
	var query url.Values
	switch {
	case w.URL == "" && w.URLSecret == "":
		return p.Errorf("url", "a webhook needs a url or a urlSecret")
	case w.URL != "" && w.URLSecret != "":
		return p.Errorf("urlSecret", "set url or urlSecret, not both")
	case w.URL != "":
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
		w.host, query = u.Host, u.Query()
	}
	for _, k := range sortedKeys(w.Headers) { // the first bad header, deterministically
		if err := checkWebhookHeader(k, w.Headers[k]); err != nil {
			return p.Errorf("headers."+k, "%w", err)
		}
	}
	if err := w.provisionSecrets(p, query); err != nil {
		return err
	}
	if err := webhookPolicy(w.svc.ports.Webhooks).checkClient(); err != nil {
		return p.Errorf("", "the engine's webhook policy: %w", err)
	}
	w.actions = actionSet(p)
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
	case "Host", "Content-Length", "Content-Type", "Connection", "Transfer-Encoding", hook.SignatureHeader:
		return fmt.Errorf("header %q is set by the webhook action", name)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
			return fmt.Errorf("header %q has a control character in its value", name)
		}
	}
	return nil
}

// Run posts the visitor's latest input and applies the response; a
// webhook that does not wait for feedback is queued (or sent) and the
// action completes whatever becomes of it.
func (w *Webhook) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	if !w.WaitForResponse {
		return w.deliverLater(ctx, t), nil
	}
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

// post makes one call under the engine's webhook policy.
func (w *Webhook) post(ctx context.Context, t action.Turn, req hook.Request) (hook.Response, error) {
	pol := webhookPolicy(w.svc.ports.Webhooks)
	client, release, err := webhookClient(pol)
	if err != nil {
		return hook.Response{}, err
	}
	defer release()
	body, err := json.Marshal(req)
	if err != nil {
		return hook.Response{}, fmt.Errorf("encoding the request: %w", err)
	}
	return w.send(ctx, client, pol, body, t.IdempotencyKey())
}

// send posts body with client and reads the response.
func (w *Webhook) send(ctx context.Context, client *http.Client, pol WebhookPolicy, body []byte, idemKey string) (hook.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, pol.Timeout)
	defer cancel()
	sec, err := w.secrets(ctx, pol)
	if err != nil {
		return hook.Response{}, timeoutError(ctx, pol, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, sec.url, bytes.NewReader(body))
	if err != nil {
		return hook.Response{}, stripURL(err)
	}
	for k, v := range w.Headers {
		hreq.Header.Set(k, v)
	}
	for k, v := range sec.headers {
		hreq.Header.Set(k, v)
	}
	if sec.signingKey != nil {
		hreq.Header.Set(hook.SignatureHeader, hook.Sign(sec.signingKey, body, pol.now()))
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
		return hook.Response{}, &WebhookStatusError{Code: resp.StatusCode, Status: resp.Status}
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
	if w.URLSecret != "" {
		return fmt.Sprintf("the url of secret %q", w.URLSecret)
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
