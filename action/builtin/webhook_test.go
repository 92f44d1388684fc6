package builtin

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
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	must "github.com/stretchr/testify/require"
)

// loopback allows the test servers' address, 127.0.0.1, and nothing else.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// localPorts is a policy for test servers on 127.0.0.1, with a generous
// timeout so that a slow machine does not fail the calls.
func localPorts() Ports {
	return Ports{Webhooks: &WebhookPolicy{Timeout: 10 * time.Second, MaxResponseBytes: 4 << 10, Allow: loopback}}
}

// hookServer answers every request with handle and records the requests.
type hookServer struct {
	*httptest.Server

	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
}

func newHookServer(t *testing.T, handle http.HandlerFunc) *hookServer {
	t.Helper()
	s := newUnstartedHookServer(handle)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// newUnstartedHookServer is newHookServer for a test that sets the
// server's listener or TLS; the caller starts and closes it.
func newUnstartedHookServer(handle http.HandlerFunc) *hookServer {
	s := &hookServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		handle(w, r)
	}))
	return s
}

// calls returns how many requests reached the server.
func (s *hookServer) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// request decodes the i-th request body.
func (s *hookServer) request(t *testing.T, i int) hook.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	must.Greater(t, len(s.bodies), i, "request %d never came", i)
	var req hook.Request
	must.NoError(t, json.Unmarshal(s.bodies[i], &req))
	return req
}

// raw decodes the i-th request body as generic JSON, to check wire names.
func (s *hookServer) raw(t *testing.T, i int) map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	must.Greater(t, len(s.bodies), i, "request %d never came", i)
	var m map[string]any
	must.NoError(t, json.Unmarshal(s.bodies[i], &m))
	return m
}

// header returns the headers of the i-th request.
func (s *hookServer) header(t *testing.T, i int) http.Header {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	must.Greater(t, len(s.headers), i, "request %d never came", i)
	return s.headers[i]
}

// respond answers with a JSON body.
func respond(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

// newWebhook loads a webhook posting to u whose error message greets the
// contact by name.
func newWebhook(t *testing.T, u string, wait bool, ports Ports) *Webhook {
	t.Helper()
	settings, err := json.Marshal(map[string]any{"url": u, "waitForResponse": wait, "errorMessage": []string{"Sorry, {{ contact.firstname }}."}})
	must.NoError(t, err)
	w, _ := mustLoad[*Webhook](t, WebhookType, string(settings), store.Stores{}, ports)
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
		"header value NUL":    {`{"url": "https://example.com", "headers": {"X-Token": "a\u0000b"}}`, "headers.X-Token"},
		"empty error message": {`{"url": "https://example.com", "errorMessage": [""]}`, "errorMessage[0]"},
		"bad error template":  {`{"url": "https://example.com", "errorMessage": ["Sorry {{ nope( }}"]}`, "errorMessage[0]"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := load(t, WebhookType, tc.settings, store.Stores{}, Ports{})
			assert.Equal(t, tc.path, problem(t, err).Path, "error: %v", err)
		})
	}

	// Causes stay matchable.
	_, _, err := load(t, WebhookType, `{"url": "http://exa mple.com/%zz"}`, store.Stores{}, Ports{})
	var ue *url.Error
	assert.ErrorAs(t, err, &ue, "the URL parser's error is the cause")

	// The first bad header is reported, whatever the map order.
	for range 5 {
		_, _, err = load(t, WebhookType, `{"url": "https://example.com", "headers": {"B Bad": "x", "A Bad": "x", "Host": "x"}}`, store.Stores{}, Ports{})
		assert.Equal(t, "headers.A Bad", problem(t, err).Path)
	}

	// A webhook needs no port: the zero Ports mean the default policy.
	_, p := mustLoad[*Webhook](t, WebhookType, `{"url": "HTTPS://hooks.example.com/bot?token=x", "waitForResponse": true, "headers": {"Authorization": "Bearer x"}}`, store.Stores{}, Ports{})
	assert.True(t, p.choosesNext, "a webhook that waits may name the next action")
	assert.False(t, p.waits, "it only waits when a response asks to")
	_, p = mustLoad[*Webhook](t, WebhookType, `{"url": "https://hooks.example.com/bot"}`, store.Stores{}, Ports{})
	assert.False(t, p.choosesNext, "a webhook that does not wait ignores the response")
}

func TestWebhookPayload(t *testing.T) {
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/hook", r.URL.Path)
		assert.Equal(t, "key=s3cr3t", r.URL.RawQuery)
		respond(`{"botMessage": "Hi {{ contact.firstname }}, it shipped.",
			"quickReplies": [{"value": "track", "label": "Track it"}, {"value": "done"}],
			"nextModuleNickname": "thanks", "customState": {"order": "A-1"}, "ignored": 1}`)(w, r)
	})
	w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+srv.URL+`/hook?key=s3cr3t", "waitForResponse": true, "headers": {"X-Api-Key": "k"}}`, store.Stores{}, localPorts())
	turn := newFakeTurn()
	turn.session.CustomState = json.RawMessage(`{"order": "A-0"}`)

	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done, Next: "thanks"}, res)
	assert.Equal(t, []string{"Hi {{ contact.firstname }}, it shipped."}, turn.said,
		"a botMessage is said as it is, never evaluated as a template")
	assert.Equal(t, []action.QuickReply{{Value: "track", Label: "Track it"}, {Value: "done"}}, turn.quick)
	assert.True(t, turn.freeText)
	assert.JSONEq(t, `{"order": "A-1"}`, string(turn.session.CustomState))
	assert.Nil(t, turn.state, "nothing is kept when the action does not wait")

	header := srv.header(t, 0)
	assert.Equal(t, "application/json", header.Get("Content-Type"))
	assert.Equal(t, "application/json", header.Get("Accept"))
	assert.Equal(t, "k", header.Get("X-Api-Key"))
	assert.Equal(t, "conv-1/m1/lookup", header.Get("Idempotency-Key"))
	assert.Equal(t, webhookUserAgent, header.Get("User-Agent"))

	start := testStart.UnixMilli()
	want := hook.Request{
		UserMessage: hook.UserMessage{Message: "Where is my order?"},
		Session: hook.Session{
			VID: "c-42", ConversationID: "conv-1", CurrentModuleNickname: "lookup",
			SessionStartedAt: start, LastInteractionAt: start + 60_000, State: "active",
			CustomState: json.RawMessage(`{"order":"A-0"}`),
			Properties: hook.PropertyBags{
				Contact: map[string]hook.Property{
					"firstname": {Value: "Ada", SyncedAt: start + 120_000},
					"email":     {Value: "ada@example.com", SyncedAt: start + 120_000},
				},
				Company: map[string]hook.Property{"name": {Value: "Analytical Engines", SyncedAt: start + 120_000}},
			},
		},
		CustomState: json.RawMessage(`{"order":"A-0"}`),
		Bot:         hook.Bot{Nickname: "support-bot", ChatflowID: "support-bot", ConversationChannelType: "chat"},
		Module:      hook.Module{Nickname: "lookup", ModuleType: "webhook"},
	}
	assert.Equal(t, want, srv.request(t, 0))
}

func TestWebhookHeadersOverrideDefaults(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+srv.URL+`", "waitForResponse": true,
		"headers": {"user-agent": "acme-bot/2", "Accept": "application/vnd.acme+json", "Authorization": "Bearer t"}}`, store.Stores{}, localPorts())
	turn := newFakeTurn()
	turn.idemKey = ""
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)

	header := srv.header(t, 0)
	assert.Equal(t, "acme-bot/2", header.Get("User-Agent"))
	assert.Equal(t, "application/vnd.acme+json", header.Get("Accept"))
	assert.Equal(t, "Bearer t", header.Get("Authorization"))
	assert.Equal(t, "application/json", header.Get("Content-Type"))
	assert.NotContains(t, header, "Idempotency-Key", "no key, no header")
}

// TestWebhookPayloadJSON checks the wire names of the request, as a
// HubSpot webhook reads them.
func TestWebhookPayloadJSON(t *testing.T) {
	srv := newHookServer(t, func(http.ResponseWriter, *http.Request) {})
	w := newWebhook(t, srv.URL, false, localPorts())
	turn := newFakeTurn()
	turn.input = action.Input{QuickReply: "yes"}
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)

	raw := srv.raw(t, 0)
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
	assert.NotContains(t, session, "customState")
	assert.Equal(t, map[string]any{"nickname": "lookup", "moduleType": "webhook"}, raw["module"])
	assert.Equal(t, "chat", raw["bot"].(map[string]any)["conversationChannelType"])

	// A typed message has a null quickReply.
	turn.input = action.Input{Text: "hello"}
	_, err = w.Run(context.Background(), turn)
	must.NoError(t, err)
	raw = srv.raw(t, 1)
	assert.Contains(t, raw["userMessage"], "quickReply")
	assert.Nil(t, raw["userMessage"].(map[string]any)["quickReply"])

	// An anonymous visitor without a company: no vid, empty property bags.
	turn = newFakeTurn()
	turn.session.ContactID = ""
	turn.contact, turn.company, turn.hasCompany = nil, nil, false
	_, err = w.Run(context.Background(), turn)
	must.NoError(t, err)
	raw = srv.raw(t, 2)
	session = raw["session"].(map[string]any)
	assert.NotContains(t, session, "vid")
	assert.Equal(t, map[string]any{"CONTACT": map[string]any{}, "COMPANY": map[string]any{}}, session["properties"])
}

func TestWebhookResponseExpected(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			respond(`{"botMessage": "Which size?", "responseExpected": true, "nextModuleNickname": "ignored-while-waiting",
				"quickReplies": [{"value": "s", "label": "Small"}, {"value": "l", "label": "Large"}], "customState": {"step": 1}}`)(w, r)
			return
		}
		respond(`{"botMessage": "Large it is.", "customState": {"step": 2}}`)(w, r)
	})
	w := newWebhook(t, srv.URL, true, localPorts())
	turn := newFakeTurn()

	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Wait}, res, "nextModuleNickname is ignored while waiting")
	assert.Equal(t, []string{"Which size?"}, turn.said)
	assert.Equal(t, []action.QuickReply{{Value: "s", Label: "Small"}, {Value: "l", Label: "Large"}}, turn.quick)
	assert.True(t, turn.freeText, "free text stays allowed")
	assert.NotEmpty(t, turn.state, "the offered quick replies are kept while waiting")
	assert.JSONEq(t, `{"step": 1}`, string(turn.session.CustomState))

	turn.clearOutput()
	res, err = w.Answer(context.Background(), turn, action.Input{QuickReply: "l"})
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done}, res)
	assert.Equal(t, []string{"Large it is."}, turn.said)
	must.NotNil(t, turn.answer)
	assert.Equal(t, "l", *turn.answer)
	assert.Equal(t, []action.Event{{Type: EventAnswerAccepted, Value: "l"}}, turn.events)
	assert.JSONEq(t, `{"step": 2}`, string(turn.session.CustomState))

	must.Equal(t, 2, srv.calls())
	second := srv.request(t, 1)
	assert.Equal(t, "Large", second.UserMessage.Message, "a click is sent with the label the visitor saw")
	assert.Equal(t, &hook.QuickReplies{QuickReplies: []hook.Option{{Value: "l", Label: "Large"}}}, second.UserMessage.QuickReply)
	assert.JSONEq(t, `{"step": 1}`, string(second.CustomState))
	assert.JSONEq(t, `{"step": 1}`, string(second.Session.CustomState))
}

// TestWebhookNextModuleIsPassedOn: the action passes nextModuleNickname on
// without judging it; the engine fails the action when the flow has no
// action of that name.
func TestWebhookNextModuleIsPassedOn(t *testing.T) {
	srv := newHookServer(t, respond(`{"botMessage": "On to {{ answers.lookup }}.", "nextModuleNickname": "track"}`))
	w := newWebhook(t, srv.URL, true, localPorts())
	w.actions = map[string]bool{"lookup": true, "track": true}
	turn := newFakeTurn()
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done, Next: "track"}, res)
	assert.Equal(t, []string{"On to {{ answers.lookup }}."}, turn.said, "said as it is, never as a template")
}

// A response naming an action the flow lacks breaks the contract: nothing of
// it is applied, and the action fails with its error message.
func TestWebhookUnknownNextModuleChangesNothing(t *testing.T) {
	srv := newHookServer(t, respond(`{"botMessage": "never said", "nextModuleNickname": "nowhere", "customState": {"x": 1}}`))
	w := newWebhook(t, srv.URL, true, localPorts())
	turn := newFakeTurn()
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Fail, res.Status)
	assert.Contains(t, res.Reason, `nextModuleNickname "nowhere" names no action`)
	assert.NotContains(t, turn.said, "never said")
	assert.Nil(t, turn.session.CustomState)
}

func TestWebhookFailures(t *testing.T) {
	big := `{"botMessage": "` + strings.Repeat("x", 8<<10) + `"}`
	release := make(chan struct{})
	defer close(release)
	for name, tc := range map[string]struct {
		handle  http.HandlerFunc
		timeout time.Duration // of the policy; 0 means localPorts'
		reason  string
		is      error // what Result.Err matches
	}{
		"malformed json": {handle: respond(`{"botMessage": "hi"`), reason: "invalid webhook or snippet response", is: ErrHookResponse},
		"not an object":  {handle: respond(`["hi"]`), reason: "invalid webhook or snippet response", is: ErrHookResponse},
		"too large":      {handle: respond(big), reason: "webhook response too large: larger than 4096 bytes", is: ErrWebhookTooLarge},
		"server error": {handle: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) }, reason: "500 Internal Server Error",
			is: ErrWebhookStatus},
		"not found":    {handle: http.NotFound, reason: "webhook answered with an error status: 404 Not Found", is: ErrWebhookStatus},
		"custom state": {handle: respond(`{"customState": [1, 2]}`), reason: "customState is not a JSON object", is: ErrHookResponse},
		"custom state too large": {handle: respond(`{"customState": {"x": "` + strings.Repeat("y", MaxCustomStateBytes) + `"}}`),
			reason: "customState is larger than", is: ErrHookResponse},
		"quick reply": {handle: respond(`{"botMessage": "Pick", "quickReplies": [{"label": "No value"}]}`), reason: "quickReplies[0] has no value",
			is: ErrHookResponse},
		"too many redirects": {handle: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/again", http.StatusTemporaryRedirect)
		}, reason: "stopped after 3 redirects", is: ErrWebhookRedirect},
		"slow": {handle: func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}, timeout: 200 * time.Millisecond, reason: "no complete answer within 200ms", is: context.DeadlineExceeded},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newHookServer(t, tc.handle)
			ports := localPorts()
			if name == "custom state too large" {
				ports.Webhooks.MaxResponseBytes = 2 * MaxCustomStateBytes
			}
			if tc.timeout != 0 {
				ports.Webhooks.Timeout = tc.timeout
			}
			w := newWebhook(t, srv.URL+"/hook?token=s3cr3t", true, ports)
			turn := newFakeTurn()
			turn.session.CustomState = json.RawMessage(`{"keep": true}`)
			res, err := w.Run(context.Background(), turn)
			must.NoError(t, err)
			assert.Equal(t, action.Fail, res.Status)
			assert.Contains(t, res.Reason, tc.reason)
			assert.ErrorIs(t, res.Err, tc.is, "the cause is matchable")
			assert.True(t, strings.HasPrefix(res.Reason, "webhook call to "+strings.TrimPrefix(srv.URL, "http://")+" failed: "), res.Reason)
			assert.NotContains(t, res.Reason, "s3cr3t", "the URL's query stays out of reasons")
			assert.NotContains(t, res.Reason, "/hook", "the URL's path stays out of reasons")
			assert.Equal(t, []string{"Sorry, Ada."}, turn.said, "only the error message is said, rendered")
			assert.Zero(t, turn.prompts)
			assert.Nil(t, turn.state)
			assert.JSONEq(t, `{"keep": true}`, string(turn.session.CustomState), "a failed call changes no state")
		})
	}
}

func TestWebhookFailureWithoutErrorMessage(t *testing.T) {
	srv := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+srv.URL+`", "waitForResponse": true}`, store.Stores{}, localPorts())
	turn := newFakeTurn()
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Fail, res.Status)
	assert.Contains(t, res.Reason, "503")
	assert.Empty(t, turn.said, "the engine says the general error message")
}

func TestWebhookWithoutWaitIgnoresBody(t *testing.T) {
	srv := newHookServer(t, respond(`this is {not json, "nextModuleNickname": "nowhere"`))
	w := newWebhook(t, srv.URL, false, localPorts())
	turn := newFakeTurn()
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done}, res)
	assert.Empty(t, turn.said)
	assert.Equal(t, 1, srv.calls())

	// The status still counts, as an event (TestWebhookWithoutOutboxFailsQuietly).
}

func TestWebhookEmptyResponse(t *testing.T) {
	for name, handle := range map[string]http.HandlerFunc{
		"no content": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"blank body": respond(" \n"),
		"empty JSON": respond(`{}`),
	} {
		t.Run(name, func(t *testing.T) {
			srv := newHookServer(t, handle)
			w := newWebhook(t, srv.URL, true, localPorts())
			turn := newFakeTurn()
			turn.session.CustomState = json.RawMessage(`{"x": 1}`)
			res, err := w.Run(context.Background(), turn)
			must.NoError(t, err)
			assert.Equal(t, action.Result{Status: action.Done}, res, "an empty response follows the default path")
			assert.Empty(t, turn.said)
			assert.Zero(t, turn.prompts)
			assert.JSONEq(t, `{"x": 1}`, string(turn.session.CustomState), "leaving customState out keeps it")
		})
	}
}

func TestWebhookCustomStateCleared(t *testing.T) {
	srv := newHookServer(t, respond(`{"customState": null}`))
	w := newWebhook(t, srv.URL, true, localPorts())
	turn := newFakeTurn()
	turn.session.CustomState = json.RawMessage(`{"x": 1}`)
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Nil(t, turn.session.CustomState)
}

// TestWebhookZeroPolicyRefusesLoopback checks that without Allow a call to
// a loopback address is refused when dialling, whatever else the policy
// sets.
func TestWebhookZeroPolicyRefusesLoopback(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	for name, ports := range map[string]Ports{
		"nil policy":  {},
		"zero policy": {Webhooks: &WebhookPolicy{}},
		"defaults":    {Webhooks: &WebhookPolicy{Timeout: DefaultWebhookTimeout, MaxResponseBytes: DefaultWebhookMaxResponseBytes}},
		"by hostname": {},
	} {
		t.Run(name, func(t *testing.T) {
			u := srv.URL
			if name == "by hostname" {
				u = strings.Replace(u, "127.0.0.1", "localhost", 1)
			}
			w := newWebhook(t, u, true, ports)
			turn := newFakeTurn()
			res, err := w.Run(context.Background(), turn)
			must.NoError(t, err)
			assert.Equal(t, action.Fail, res.Status)
			assert.Contains(t, res.Reason, "webhook address not allowed")
			assert.Contains(t, res.Reason, "loopback")
			assert.ErrorIs(t, res.Err, ErrWebhookAddress)
			assert.Equal(t, []string{"Sorry, Ada."}, turn.said)
		})
	}
	assert.Zero(t, srv.calls(), "nothing reaches the server")
}

func TestWebhookZeroPolicyMeansDefaults(t *testing.T) {
	want := WebhookPolicy{Timeout: DefaultWebhookTimeout, MaxResponseBytes: DefaultWebhookMaxResponseBytes}
	assert.Equal(t, want, webhookPolicy(nil))
	assert.Equal(t, want, webhookPolicy(&WebhookPolicy{}))
	assert.Equal(t, WebhookPolicy{Timeout: time.Second, MaxResponseBytes: DefaultWebhookMaxResponseBytes, Allow: loopback},
		webhookPolicy(&WebhookPolicy{Timeout: time.Second, Allow: loopback}), "a field left zero takes its default")

	// A response just over the default limit is refused; one at the limit
	// is read (its padding is a field the contract ignores).
	for size, ok := range map[int]bool{DefaultWebhookMaxResponseBytes: true, DefaultWebhookMaxResponseBytes + 1: false} {
		body := `{"botMessage": "hi", "padding": "` + strings.Repeat("x", size-len(`{"botMessage": "hi", "padding": ""}`)) + `"}`
		must.Len(t, body, size)
		srv := newHookServer(t, respond(body))
		w := newWebhook(t, srv.URL, true, Ports{Webhooks: &WebhookPolicy{Allow: loopback}})
		res, err := w.Run(context.Background(), newFakeTurn())
		must.NoError(t, err)
		if ok {
			assert.Equal(t, action.Done, res.Status, res.Reason)
		} else {
			assert.Equal(t, action.Fail, res.Status)
			assert.Contains(t, res.Reason, "larger than 1048576 bytes")
			assert.ErrorIs(t, res.Err, ErrWebhookTooLarge)
		}
	}
}

func TestWebhookCanceledTurn(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	w := newWebhook(t, srv.URL, true, localPorts())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	turn := newFakeTurn()
	res, err := w.Run(ctx, turn)
	must.NoError(t, err)
	assert.Equal(t, action.Fail, res.Status)
	assert.Contains(t, res.Reason, "canceled")
	assert.NotContains(t, res.Reason, "no complete answer", "a canceled turn is not a timeout")
	assert.ErrorIs(t, res.Err, context.Canceled)
	assert.NotErrorIs(t, res.Err, context.DeadlineExceeded)
}
