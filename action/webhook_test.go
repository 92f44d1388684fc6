package action

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookEnv is the condition environment of the webhook and snippet tests,
// built once: building one is not cheap.
var hookEnv = sync.OnceValues(func() (*condition.Env, error) { return condition.NewEnv() })

// hookTestTurn is the Turn of the webhook and snippet tests. It implements
// what those actions use; any other method panics (through the nil
// embedded interface).
type hookTestTurn struct {
	Turn

	now       time.Time
	startedAt time.Time
	input     Input
	contactID string
	contact   store.Properties
	company   store.Properties
	custom    json.RawMessage
	state     []byte
	answer    string
	actions   map[string]bool
	ports     *Ports

	said     []string
	prompt   []QuickReply
	freeText bool
	events   []Event
}

func newHookTestTurn(ports *Ports) *hookTestTurn {
	start := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	return &hookTestTurn{
		now:       start.Add(2 * time.Minute),
		startedAt: start,
		input:     Input{Text: "Where is my order?"},
		contactID: "c-42",
		contact:   store.Properties{"firstname": "Ada", "email": "ada@example.com"},
		company:   store.Properties{"name": "Analytical Engines"},
		actions:   map[string]bool{"lookup": true, "thanks": true},
		ports:     ports,
	}
}

func (t *hookTestTurn) Now() time.Time                   { return t.now }
func (t *hookTestTurn) ActionName() string               { return "lookup" }
func (t *hookTestTurn) ConversationID() string           { return "conv-1" }
func (t *hookTestTurn) ContactID() string                { return t.contactID }
func (t *hookTestTurn) Input() Input                     { return t.input }
func (t *hookTestTurn) Channel() string                  { return "chat" }
func (t *hookTestTurn) FlowID() string                   { return "support-bot" }
func (t *hookTestTurn) StartedAt() time.Time             { return t.startedAt }
func (t *hookTestTurn) LastInteractionAt() time.Time     { return t.now.Add(-time.Minute) }
func (t *hookTestTurn) CustomState() json.RawMessage     { return t.custom }
func (t *hookTestTurn) SetCustomState(s json.RawMessage) { t.custom = s }
func (t *hookTestTurn) State() []byte                    { return t.state }
func (t *hookTestTurn) SetState(b []byte)                { t.state = b }
func (t *hookTestTurn) SetAnswer(v string)               { t.answer = v }
func (t *hookTestTurn) HasAction(name string) bool       { return t.actions[name] }
func (t *hookTestTurn) Ports() *Ports                    { return t.ports }
func (t *hookTestTurn) IdempotencyKey() string           { return "conv-1/m1/lookup" }
func (t *hookTestTurn) Emit(e Event)                     { t.events = append(t.events, e) }
func (t *hookTestTurn) SayText(text string)              { t.said = append(t.said, text) }

func (t *hookTestTurn) Properties(obj Object) store.Properties {
	if obj == CompanyObject {
		return t.company.Clone()
	}
	return t.contact.Clone()
}

func (t *hookTestTurn) Say(m Messages) {
	for i := range m {
		if tm := m[i].Template(); tm != nil {
			t.said = append(t.said, t.Render(tm))
		} else {
			t.said = append(t.said, m[i].Text)
		}
	}
}

func (t *hookTestTurn) Prompt(qrs []QuickReply, freeText bool) {
	t.prompt, t.freeText = qrs, freeText
}

func (t *hookTestTurn) Render(tm *condition.Template) string {
	vars := condition.Map{}
	for k, v := range t.contact {
		vars[k] = v
	}
	return tm.Render(&condition.Vars{Contact: vars})
}

// provisionHook decodes settings into a into a and provisions it.
func provisionHook(t *testing.T, a Provisioner, settings string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(settings))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(a))
	env, err := hookEnv()
	require.NoError(t, err)
	require.NoError(t, a.Provision(&Provision{Env: env, ActionName: "lookup", Language: "en"}))
}

// localPolicy is a policy for test servers on 127.0.0.1.
func localPolicy() *Ports {
	return &Ports{Webhooks: &WebhookPolicy{Timeout: 300 * time.Millisecond, MaxResponseBytes: 4 << 10, AllowPrivate: true}}
}

// hookServer answers every request with handle and counts the requests.
type hookServer struct {
	*httptest.Server
	calls atomic.Int32
}

func newHookServer(t *testing.T, handle http.HandlerFunc) *hookServer {
	s := &hookServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// respond answers with a JSON body.
func respond(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

func newWebhook(t *testing.T, url string, wait bool) *Webhook {
	t.Helper()
	w := &Webhook{}
	settings, err := json.Marshal(map[string]any{"url": url, "waitForResponse": wait, "errorMessage": []string{"Sorry, {{ contact.firstname }}."}})
	require.NoError(t, err)
	provisionHook(t, w, string(settings))
	return w
}

func TestWebhookProvision(t *testing.T) {
	for name, tc := range map[string]struct{ settings, path string }{
		"no url":              {`{}`, "url"},
		"scheme":              {`{"url": "ftp://example.com/x"}`, "url"},
		"no host":             {`{"url": "https:///hook"}`, "url"},
		"unparsable":          {`{"url": "http://exa mple.com/%zz"}`, "url"},
		"header name":         {`{"url": "https://example.com", "headers": {"Bad Name": "x"}}`, "headers.Bad Name"},
		"reserved header":     {`{"url": "https://example.com", "headers": {"content-type": "text/plain"}}`, "headers.content-type"},
		"header value CRLF":   {`{"url": "https://example.com", "headers": {"X-Token": "a\r\nHost: evil"}}`, "headers.X-Token"},
		"empty error message": {`{"url": "https://example.com", "errorMessage": [""]}`, "errorMessage[0]"},
	} {
		t.Run(name, func(t *testing.T) {
			w := &Webhook{}
			require.NoError(t, json.Unmarshal([]byte(tc.settings), w))
			env, err := hookEnv()
			require.NoError(t, err)
			err = w.Provision(&Provision{Env: env, ActionName: "hook"})
			var se *SettingError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.path, se.Path, "error: %v", err)
		})
	}

	w := &Webhook{}
	provisionHook(t, w, `{"url": "HTTPS://hooks.example.com/bot?token=x", "waitForResponse": true, "headers": {"Authorization": "Bearer x"}}`)
	assert.True(t, w.ChoosesNext(), "a webhook that waits may name the next action")
	assert.False(t, (&Webhook{}).ChoosesNext())
}

func TestWebhookPayload(t *testing.T) {
	var got HookRequest
	var header http.Header
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		header = r.Header.Clone()
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&got))
		respond(`{"botMessage": "Hi {{ contact.firstname }}, it shipped.",
			"quickReplies": [{"value": "track", "label": "Track it"}, {"value": "done"}],
			"nextModuleNickname": "thanks", "customState": {"order": "A-1"}, "ignored": 1}`)(w, r)
	})
	w := &Webhook{}
	provisionHook(t, w, `{"url": "`+srv.URL+`/hook?key=s3cr3t", "waitForResponse": true, "headers": {"X-Api-Key": "k"}}`)
	turn := newHookTestTurn(localPolicy())
	turn.custom = json.RawMessage(`{"order": "A-0"}`)

	res, err := w.Run(context.Background(), turn)
	require.NoError(t, err)
	assert.Equal(t, Result{Status: Done, Next: "thanks"}, res)
	assert.Equal(t, []string{"Hi Ada, it shipped."}, turn.said)
	assert.Equal(t, []QuickReply{{Value: "track", Label: "Track it"}, {Value: "done"}}, turn.prompt)
	assert.True(t, turn.freeText)
	assert.JSONEq(t, `{"order": "A-1"}`, string(turn.custom))

	assert.Equal(t, "application/json", header.Get("Content-Type"))
	assert.Equal(t, "k", header.Get("X-Api-Key"))
	assert.Equal(t, "conv-1/m1/lookup", header.Get("Idempotency-Key"))
	assert.Equal(t, webhookUserAgent, header.Get("User-Agent"))

	start := turn.startedAt.UnixMilli()
	want := HookRequest{
		UserMessage: HookUserMessage{Message: "Where is my order?"},
		Session: HookSession{
			VID: "c-42", ConversationID: "conv-1", CurrentModuleNickname: "lookup",
			SessionStartedAt: start, LastInteractionAt: start + 60_000, State: "active",
			CustomState: json.RawMessage(`{"order":"A-0"}`),
			Properties: HookPropertyBags{
				Contact: map[string]HookProperty{
					"firstname": {Value: "Ada", SyncedAt: start + 120_000},
					"email":     {Value: "ada@example.com", SyncedAt: start + 120_000},
				},
				Company: map[string]HookProperty{"name": {Value: "Analytical Engines", SyncedAt: start + 120_000}},
			},
		},
		CustomState: json.RawMessage(`{"order":"A-0"}`),
		Bot:         HookBot{Nickname: "support-bot", ChatflowID: "support-bot", ConversationChannelType: "chat"},
		Module:      HookModule{Nickname: "lookup", ModuleType: "webhook"},
	}
	assert.Equal(t, want, got)
}

// TestWebhookPayloadJSON checks the wire names of the request, as a
// HubSpot webhook reads them.
func TestWebhookPayloadJSON(t *testing.T) {
	var raw map[string]any
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&raw))
	})
	w := newWebhook(t, srv.URL, false)
	turn := newHookTestTurn(localPolicy())
	turn.input = Input{QuickReply: "yes"}
	res, _ := w.Run(context.Background(), turn)
	require.Equal(t, Done, res.Status, res.Reason)

	msg := raw["userMessage"].(map[string]any)
	assert.Equal(t, "yes", msg["message"])
	assert.Equal(t, map[string]any{"quickReplies": []any{map[string]any{"value": "yes", "label": "yes"}}}, msg["quickReply"])
	session := raw["session"].(map[string]any)
	assert.Equal(t, "c-42", session["vid"])
	assert.Equal(t, "lookup", session["currentModuleNickname"])
	props := session["properties"].(map[string]any)
	assert.Equal(t, "Ada", props["CONTACT"].(map[string]any)["firstname"].(map[string]any)["value"])
	assert.Contains(t, props["CONTACT"].(map[string]any)["firstname"], "syncedAt")
	assert.Contains(t, props, "COMPANY")
	assert.NotContains(t, raw, "customState", "sent only once a call has set it")
	assert.Equal(t, map[string]any{"nickname": "lookup", "moduleType": "webhook"}, raw["module"])
	assert.Equal(t, "chat", raw["bot"].(map[string]any)["conversationChannelType"])

	// A typed message has a null quickReply.
	turn.input = Input{Text: "hello"}
	_, _ = w.Run(context.Background(), turn)
	assert.Contains(t, raw["userMessage"], "quickReply")
	assert.Nil(t, raw["userMessage"].(map[string]any)["quickReply"])
}

func TestWebhookResponseExpected(t *testing.T) {
	var requests []HookRequest
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		var req HookRequest
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		requests = append(requests, req)
		if len(requests) == 1 {
			respond(`{"botMessage": "Which size?", "responseExpected": true, "nextModuleNickname": "ignored-while-waiting",
				"quickReplies": [{"value": "s", "label": "Small"}, {"value": "l", "label": "Large"}], "customState": {"step": 1}}`)(w, r)
			return
		}
		respond(`{"botMessage": "Large it is.", "customState": {"step": 2}}`)(w, r)
	})
	w := newWebhook(t, srv.URL, true)
	turn := newHookTestTurn(localPolicy())

	res, err := w.Run(context.Background(), turn)
	require.NoError(t, err)
	assert.Equal(t, Result{Status: Wait}, res)
	assert.Equal(t, []string{"Which size?"}, turn.said)
	assert.Equal(t, []QuickReply{{Value: "s", Label: "Small"}, {Value: "l", Label: "Large"}}, turn.prompt)
	assert.NotEmpty(t, turn.state, "the offered quick replies are kept while waiting")

	turn.said = nil
	res, err = w.Answer(context.Background(), turn, Input{QuickReply: "l"})
	require.NoError(t, err)
	assert.Equal(t, Result{Status: Done}, res)
	assert.Equal(t, []string{"Large it is."}, turn.said)
	assert.Equal(t, "l", turn.answer)
	assert.JSONEq(t, `{"step": 2}`, string(turn.custom))

	require.Len(t, requests, 2)
	second := requests[1]
	assert.Equal(t, "Large", second.UserMessage.Message)
	assert.Equal(t, &HookQuickReply{QuickReplies: []HookOption{{Value: "l", Label: "Large"}}}, second.UserMessage.QuickReply)
	assert.JSONEq(t, `{"step": 1}`, string(second.CustomState))
	assert.JSONEq(t, `{"step": 1}`, string(second.Session.CustomState))
}

func TestWebhookFailures(t *testing.T) {
	big := `{"botMessage": "` + strings.Repeat("x", 8<<10) + `"}`
	for name, tc := range map[string]struct {
		handle http.HandlerFunc
		reason string
	}{
		"unknown next":   {respond(`{"nextModuleNickname": "nowhere"}`), `nextModuleNickname "nowhere" names no action`},
		"malformed json": {respond(`{"botMessage": "hi"`), "invalid webhook or snippet response"},
		"not an object":  {respond(`["hi"]`), "invalid webhook or snippet response"},
		"too large":      {respond(big), "larger than 4096 bytes"},
		"server error":   {func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) }, "500 Internal Server Error"},
		"custom state":   {respond(`{"customState": [1, 2]}`), "customState is not a JSON object"},
		"quick reply":    {respond(`{"quickReplies": [{"label": "No value"}]}`), "quickReplies[0] has no value"},
		"too many redirects": {func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/again", http.StatusTemporaryRedirect)
		}, "stopped after 3 redirects"},
		"slow": {func(w http.ResponseWriter, r *http.Request) {
			// Once the body is read, the server notices the client leaving.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, "no complete answer within 300ms"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newHookServer(t, tc.handle)
			w := newWebhook(t, srv.URL+"/hook?token=s3cr3t", true)
			turn := newHookTestTurn(localPolicy())
			turn.custom = json.RawMessage(`{"keep": true}`)
			start := time.Now()
			res, err := w.Run(context.Background(), turn)
			require.NoError(t, err)
			assert.Less(t, time.Since(start), 2*time.Second)
			assert.Equal(t, Fail, res.Status)
			t.Log(res.Reason)
			assert.Contains(t, res.Reason, tc.reason)
			assert.NotContains(t, res.Reason, "s3cr3t", "the URL's query stays out of reasons")
			assert.Equal(t, []string{"Sorry, Ada."}, turn.said, "only the error message is said")
			assert.Nil(t, turn.prompt)
			assert.JSONEq(t, `{"keep": true}`, string(turn.custom), "a failed call changes no state")
		})
	}
}

func TestWebhookWithoutWaitIgnoresBody(t *testing.T) {
	srv := newHookServer(t, respond(`this is {not json, "nextModuleNickname": "nowhere"`))
	w := newWebhook(t, srv.URL, false)
	turn := newHookTestTurn(localPolicy())
	res, err := w.Run(context.Background(), turn)
	require.NoError(t, err)
	assert.Equal(t, Result{Status: Done}, res)
	assert.Empty(t, turn.said)
	assert.Equal(t, int32(1), srv.calls.Load())

	// The status still counts.
	failing := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	w = newWebhook(t, failing.URL, false)
	res, _ = w.Run(context.Background(), turn)
	assert.Equal(t, Fail, res.Status)
	assert.Contains(t, res.Reason, "502")
}

func TestWebhookEmptyResponse(t *testing.T) {
	srv := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	w := newWebhook(t, srv.URL, true)
	turn := newHookTestTurn(localPolicy())
	res, err := w.Run(context.Background(), turn)
	require.NoError(t, err)
	assert.Equal(t, Result{Status: Done}, res, "an empty body follows the default path")
	assert.Empty(t, turn.said)
}

func TestWebhookCustomStateCleared(t *testing.T) {
	srv := newHookServer(t, respond(`{"customState": null}`))
	w := newWebhook(t, srv.URL, true)
	turn := newHookTestTurn(localPolicy())
	turn.custom = json.RawMessage(`{"x": 1}`)
	res, _ := w.Run(context.Background(), turn)
	require.Equal(t, Done, res.Status, res.Reason)
	assert.Nil(t, turn.custom)
}

func TestWebhookDefaultPolicyRefusesLoopback(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	for name, ports := range map[string]*Ports{
		"nil policy":  {},
		"zero fields": {Webhooks: &WebhookPolicy{}},
		"no ports":    nil,
		"default":     {Webhooks: DefaultWebhookPolicy()},
		"by hostname": {},
	} {
		t.Run(name, func(t *testing.T) {
			u := srv.URL
			if name == "by hostname" {
				u = strings.Replace(u, "127.0.0.1", "localhost", 1)
			}
			w := newWebhook(t, u, true)
			turn := newHookTestTurn(ports)
			res, err := w.Run(context.Background(), turn)
			require.NoError(t, err)
			assert.Equal(t, Fail, res.Status)
			assert.Contains(t, res.Reason, "webhook address not allowed")
			t.Log(res.Reason)
			assert.Contains(t, res.Reason, "loopback")
		})
	}
	assert.Zero(t, srv.calls.Load(), "nothing reaches the server")
}

// TestWebhookRedirectToPrivateRefused follows a redirect from an allowed
// server to a loopback one under the default address rule: the dial of the
// redirect is refused.
func TestWebhookRedirectToPrivateRefused(t *testing.T) {
	internal := newHookServer(t, respond(`{"botMessage": "internal secrets"}`))
	public := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/admin", http.StatusTemporaryRedirect)
	})
	pu, err := url.Parse(public.URL)
	require.NoError(t, err)
	publicAddr := netip.MustParseAddrPort(pu.Host)
	// The test cannot listen on a public address: treat the first server's
	// exact address as public, everything else by the default rule.
	guard := func(ap netip.AddrPort) error {
		if ap == publicAddr {
			return nil
		}
		return refuseNonPublic(ap)
	}
	pol := webhookPolicy(nil)
	pol.Timeout = time.Second
	client, release := newWebhookClient(pol, guard)
	defer release()

	w := newWebhook(t, public.URL, true)
	_, err = w.send(context.Background(), client, pol, newHookRequest(newHookTestTurn(nil), WebhookType, Input{}, nil), "k")
	require.ErrorIs(t, err, ErrWebhookAddress)
	assert.Contains(t, err.Error(), "127.0.0.1 is a loopback address")
	assert.Equal(t, int32(1), public.calls.Load())
	assert.Zero(t, internal.calls.Load())
}

func TestWebhookPolicyClient(t *testing.T) {
	// A client of the host's is used as it is.
	srv := newHookServer(t, respond(`{"botMessage": "via the host's client"}`))
	w := newWebhook(t, srv.URL, true)
	turn := newHookTestTurn(&Ports{Webhooks: &WebhookPolicy{Client: srv.Client(), Timeout: time.Second}})
	res, _ := w.Run(context.Background(), turn)
	assert.Equal(t, Done, res.Status, res.Reason)
	assert.Equal(t, []string{"via the host's client"}, turn.said)
}

func TestCheckWebhookRedirect(t *testing.T) {
	req := func(u string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		return r
	}
	assert.NoError(t, checkWebhookRedirect(req("https://b.example/"), []*http.Request{req("https://a.example/")}))
	assert.NoError(t, checkWebhookRedirect(req("https://b.example/"), []*http.Request{req("http://a.example/")}))
	assert.Error(t, checkWebhookRedirect(req("http://b.example/"), []*http.Request{req("https://a.example/")}), "no downgrade")
	assert.Error(t, checkWebhookRedirect(req("ftp://b.example/"), []*http.Request{req("http://a.example/")}))
	four := []*http.Request{req("http://a/"), req("http://a/"), req("http://a/"), req("http://a/")}
	assert.Error(t, checkWebhookRedirect(req("http://a/"), four))
}

func TestNonPublic(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
		"0.0.0.0", "0.1.2.3", "100.64.0.1", "198.18.0.1", "224.0.0.1", "255.255.255.255",
		"::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1", "ff01::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1",
		"64:ff9b:1::8.8.8.8", "2002:7f00:1::1", "2002:c0a8:101::1",
	} {
		assert.NotEmpty(t, nonPublic(netip.MustParseAddr(s)), s)
		assert.ErrorIs(t, refuseNonPublic(netip.AddrPortFrom(netip.MustParseAddr(s), 80)), ErrWebhookAddress, s)
	}
	for _, s := range []string{"8.8.8.8", "93.184.216.34", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"} {
		assert.Empty(t, nonPublic(netip.MustParseAddr(s)), s)
	}
}

func TestWebhookCanceledTurn(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	w := newWebhook(t, srv.URL, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := w.Run(ctx, newHookTestTurn(localPolicy()))
	require.NoError(t, err)
	assert.Equal(t, Fail, res.Status)
	assert.Contains(t, res.Reason, "canceled")
}
