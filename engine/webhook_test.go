package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/action/hook"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testWebhookPolicy lets webhooks reach test servers on 127.0.0.1, and no
// other address that is not global.
func testWebhookPolicy() *builtin.WebhookPolicy {
	return &builtin.WebhookPolicy{Timeout: 200 * time.Millisecond, MaxResponseBytes: 4 << 10,
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

// hookFlow fills in a flow template: {{URL}} becomes the server's URL.
func hookFlow(flow, url string) []byte {
	return []byte(strings.ReplaceAll(flow, "{{URL}}", url))
}

// startKnown starts a conversation for a known contact named Ada.
func startKnown(t *testing.T, h *enginetest.Harness, id string) *enginetest.Conversation {
	t.Helper()
	c, err := h.Stores.Contacts.CreateContact(context.Background(), store.Properties{"firstname": "Ada", "email": "ada@example.com"})
	require.NoError(t, err)
	return h.StartWith(engine.StartRequest{ConversationID: id, ContactID: c.ID})
}

const orderFlow = `{
  "id": "orders", "version": 1,
  "welcome": {"message": ["Hi! I can look up your order."]},
  "options": {"generalErrorMessage": "Something went wrong."},
  "actions": [
    {"name": "lookup", "type": "webhook", "onFailure": "fallback", "settings": {
      "url": "{{URL}}/orders?key=s3cr3t", "waitForResponse": true,
      "headers": {"Authorization": "Bearer t0ken"},
      "errorMessage": ["Our order system is not answering."]}},
    {"name": "goodbye", "type": "send_message", "settings": {"message": ["Bye, {{ contact.firstname }}!"]}, "end": true},
    {"name": "track", "type": "send_message", "settings": {"message": ["Tracking link: https://track.example/A-123"]}, "end": true},
    {"name": "fallback", "type": "send_message", "settings": {"message": ["Please email orders@example.com."]}, "end": true}
  ]
}`

// orderServer is a webhook that asks for an order number, reports its
// status and offers tracking, keeping its place in customState.
func orderServer(t *testing.T) (*httptest.Server, func() []hook.Request) {
	var mu sync.Mutex
	var seen []hook.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req hook.Request
		if !assert.NoError(t, json.NewDecoder(r.Body).Decode(&req)) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		assert.Equal(t, "Bearer t0ken", r.Header.Get("Authorization"))
		mu.Lock()
		seen = append(seen, req)
		mu.Unlock()
		var state struct{ Step, Order string }
		if len(req.CustomState) > 0 {
			assert.NoError(t, json.Unmarshal(req.CustomState, &state))
		}
		var resp hook.Response
		switch state.Step {
		case "":
			// The request carries the contact's properties: the webhook
			// personalises its own text, which is said as it is.
			resp = hook.Response{BotMessage: "Sure, " + req.Session.Properties.Contact["firstname"].Value + "! What is your order number?",
				ResponseExpected: true, CustomState: json.RawMessage(`{"step": "number"}`)}
		case "number":
			order := strings.TrimSpace(req.UserMessage.Message)
			resp = hook.Response{BotMessage: "Order " + order + " has shipped.", ResponseExpected: true,
				QuickReplies: []hook.Option{{Value: "track", Label: "Track it"}, {Value: "done", Label: "That's all"}},
				CustomState:  json.RawMessage(`{"step": "shipped", "order": "` + order + `"}`)}
		default:
			next := "goodbye"
			if req.UserMessage.QuickReply != nil && req.UserMessage.QuickReply.QuickReplies[0].Value == "track" {
				next = "track"
			}
			resp = hook.Response{NextModuleNickname: next, CustomState: json.RawMessage(`{"step": "done", "order": "` + state.Order + `"}`)}
		}
		w.Header().Set("Content-Type", "application/json")
		assert.NoError(t, json.NewEncoder(w).Encode(resp))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []hook.Request {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func TestWebhookOrderStatus(t *testing.T) {
	srv, seen := orderServer(t)
	h := enginetest.NewWith(t, (&testPorts{Webhooks: testWebhookPolicy()}).config(), hookFlow(orderFlow, srv.URL))
	startKnown(t, h, "c1").
		ExpectBot("Hi! I can look up your order.").
		Says("Where is my order?").
		ExpectBot("Sure, Ada! What is your order number?").
		ExpectAwaiting("lookup").
		ExpectFreeText(true).
		Says("A-123").
		ExpectBot("Order A-123 has shipped.").
		ExpectQuickReplies("track", "done").
		ExpectAwaiting("lookup").
		Clicks("track").
		ExpectBot("Tracking link: https://track.example/A-123").
		ExpectEvent(builtin.EventAnswerAccepted, "lookup").
		ExpectStatus(engine.StatusFinished).
		MatchGolden("testdata/webhook-order-status.golden")

	s, err := h.Engine.Session(context.Background(), "c1")
	require.NoError(t, err)
	assert.JSONEq(t, `{"step": "done", "order": "A-123"}`, string(s.CustomState))
	assert.Equal(t, "track", s.Answers["lookup"])

	calls := seen()
	require.Len(t, calls, 3)
	first, second, third := calls[0], calls[1], calls[2]
	start := enginetest.Epoch.UnixMilli()
	assert.Equal(t, s.ContactID, first.Session.VID)
	assert.NotEmpty(t, first.Session.VID)
	assert.Equal(t, "c1", first.Session.ConversationID)
	assert.Equal(t, "lookup", first.Session.CurrentModuleNickname)
	assert.Equal(t, start, first.Session.SessionStartedAt)
	assert.Equal(t, hook.Property{Value: "Ada", SyncedAt: start}, first.Session.Properties.Contact["firstname"])
	assert.Equal(t, "ada@example.com", first.Session.Properties.Contact["email"].Value)
	assert.NotNil(t, first.Session.Properties.Company)
	assert.Equal(t, hook.Bot{Nickname: "orders", ChatflowID: "orders", ConversationChannelType: s.Channel}, first.Bot)
	assert.Equal(t, hook.Module{Nickname: "lookup", ModuleType: "webhook"}, first.Module)
	assert.Equal(t, "Where is my order?", first.UserMessage.Message)
	assert.Nil(t, first.UserMessage.QuickReply)
	assert.Nil(t, first.CustomState)

	assert.Equal(t, "A-123", second.UserMessage.Message)
	assert.JSONEq(t, `{"step": "number"}`, string(second.CustomState))
	assert.JSONEq(t, `{"step": "number"}`, string(second.Session.CustomState))

	assert.Equal(t, "Track it", third.UserMessage.Message)
	assert.Equal(t, &hook.QuickReplies{QuickReplies: []hook.Option{{Value: "track", Label: "Track it"}}}, third.UserMessage.QuickReply)
	assert.JSONEq(t, `{"step": "shipped", "order": "A-123"}`, string(third.CustomState))
}

func TestWebhookOrderStatusDefaultPath(t *testing.T) {
	srv, _ := orderServer(t)
	h := enginetest.NewWith(t, (&testPorts{Webhooks: testWebhookPolicy()}).config(), hookFlow(orderFlow, srv.URL))
	startKnown(t, h, "c1").Says("hi").Says("B-7").
		Says("That's all").
		ExpectBot("Bye, Ada!").
		ExpectStatus(engine.StatusFinished)
}

// TestWebhookFailurePaths runs broken webhooks through the engine: each says
// the error message, then follows the failure path, or without one shows
// the general error message and ends the bot part of the conversation.
func TestWebhookFailurePaths(t *testing.T) {
	for name, tc := range map[string]struct {
		handle http.HandlerFunc
		is     error // what the action_failed event's Err matches
	}{
		"unknown next": {func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"botMessage": "never said", "nextModuleNickname": "nowhere"}`)
		}, builtin.ErrHookResponse},
		"server error": {func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }, builtin.ErrWebhookStatus},
		"malformed":    {func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"botMessage":`) }, builtin.ErrHookResponse},
		"too large": {func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"botMessage": "`+strings.Repeat("a", 5<<10)+`"}`)
		}, builtin.ErrWebhookTooLarge},
		"slow": {func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, context.DeadlineExceeded},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handle)
			defer srv.Close()
			cfg := (&testPorts{Webhooks: testWebhookPolicy()}).config()

			h := enginetest.NewWith(t, cfg, hookFlow(orderFlow, srv.URL))
			c := h.Start("c1").Says("hi").
				ExpectBot("Our order system is not answering.", "Please email orders@example.com.").
				ExpectEvent(engine.EventActionFailed, "lookup").
				ExpectStatus(engine.StatusFinished)
			failed := lastEvent(c, engine.EventActionFailed)
			assert.Contains(t, failed.Reason, "webhook call to 127.0.0.1:")
			assert.NotContains(t, failed.Reason, "s3cr3t")
			assert.ErrorIs(t, failed.Err, tc.is, "the host can match the cause")

			noFallback := strings.Replace(orderFlow, `"onFailure": "fallback", `, "", 1)
			h = enginetest.NewWith(t, cfg, hookFlow(noFallback, srv.URL))
			h.Start("c2").Says("hi").
				ExpectBot("Our order system is not answering.", "Something went wrong.").
				ExpectEvent(engine.EventGeneralError).
				ExpectStatus(engine.StatusEnded)
		})
	}
}

func TestWebhookDefaultPolicyRefusesLoopback(t *testing.T) {
	var calls int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		_, _ = io.WriteString(w, `{"nextModuleNickname": "track"}`)
	}))
	defer srv.Close()
	// No Webhooks policy: the default one, which allows public addresses only.
	h := enginetest.New(t, hookFlow(orderFlow, srv.URL))
	c := h.Start("c1").Says("hi").
		ExpectBot("Our order system is not answering.", "Please email orders@example.com.").
		ExpectEvent(engine.EventActionFailed, "lookup")
	ev := lastEvent(c, engine.EventActionFailed)
	assert.Contains(t, ev.Reason, "webhook address not allowed")
	assert.Contains(t, ev.Reason, "loopback")
	assert.ErrorIs(t, ev.Err, builtin.ErrWebhookAddress, "the host can match the cause")
	mu.Lock()
	assert.Zero(t, calls)
	mu.Unlock()
}

// TestWebhookSecretsAndSignature: the flow names its credential instead of
// holding it; the host resolves it at call time and signs the request,
// which the receiver verifies.
func TestWebhookSecretsAndSignature(t *testing.T) {
	key := []byte("whsec_engine")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Header.Get("Authorization") != "Bearer t0ken" ||
			hook.VerifySignature(r.Header.Get(hook.SignatureHeader), body, key, time.Now(), 0) != nil {
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"botMessage": "Order A-1 has shipped.", "nextModuleNickname": "goodbye"}`)
	}))
	defer srv.Close()
	flow := strings.Replace(orderFlow, `"headers": {"Authorization": "Bearer t0ken"}`, `"secretHeaders": {"Authorization": "crm_token"}`, 1)
	require.NotContains(t, flow, "t0ken")

	pol := testWebhookPolicy()
	pol.SigningKey = key
	cfg := (&testPorts{Webhooks: pol}).config()
	secrets := map[string]string{"crm_token": "Bearer t0ken"}
	cfg.Ports.Secrets = builtin.SecretsFunc(func(_ context.Context, name string) (string, error) {
		if v, ok := secrets[name]; ok {
			return v, nil
		}
		return "", errors.New("no such secret")
	})
	h := enginetest.NewWith(t, cfg, hookFlow(flow, srv.URL))
	startKnown(t, h, "c1").Says("Where is my order?").
		ExpectBot("Order A-1 has shipped.", "Bye, Ada!").
		ExpectStatus(engine.StatusFinished)

	// A secret the host cannot resolve fails the call before anything is
	// sent, with a cause the host can match.
	delete(secrets, "crm_token")
	h = enginetest.NewWith(t, cfg, hookFlow(flow, srv.URL))
	c := h.Start("c2").Says("Where is my order?").
		ExpectBot("Our order system is not answering.", "Please email orders@example.com.")
	ev := lastEvent(c, engine.EventActionFailed)
	assert.ErrorIs(t, ev.Err, builtin.ErrWebhookSecret)
	assert.Contains(t, ev.Reason, `"crm_token": no such secret`)

	// Without Ports.Secrets, a flow that names a secret does not load.
	e, err := engine.New(withMemory((&testPorts{Webhooks: pol}).config()))
	require.NoError(t, err)
	_, err = e.Load(hookFlow(flow, srv.URL))
	assert.ErrorIs(t, err, builtin.ErrMissingPort)
}

// TestWebhookSecretSettingsMatchSchema: the documented schema accepts the
// secret settings and refuses what the loader refuses.
func TestWebhookSecretSettingsMatchSchema(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "docs", "flow.schema.json"))
	require.NoError(t, err)
	flow := func(settings string) any {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"id": "f", "version": 1, "welcome": {"message": ["hi"]},
			"actions": [{"name": "hook", "type": "webhook", "settings": ` + settings + `}]}`))
		require.NoError(t, err)
		return inst
	}
	for _, ok := range []string{
		`{"url": "https://crm.example.com/bot", "secretHeaders": {"Authorization": "crm_token"}, "secretQuery": {"key": "crm_key"}, "signingSecret": "crm_signing"}`,
		`{"urlSecret": "slack_url", "waitForResponse": true}`,
	} {
		assert.NoError(t, sch.Validate(flow(ok)), ok)
	}
	for _, bad := range []string{
		`{"url": "https://crm.example.com/bot", "urlSecret": "slack_url"}`,
		`{"secretHeaders": {"Authorization": "crm_token"}}`,
		`{"url": "https://crm.example.com/bot", "secretHeaders": {"Authorization": ""}}`,
		`{"url": "https://crm.example.com/bot", "signingSecret": " "}`,
		`{"url": "https://crm.example.com/bot", "secretQuery": {"": "crm_key"}}`,
		`{"url": "https://crm.example.com/bot", "secretHeaders": {"Authorization": {"secret": "crm_token"}}}`,
	} {
		assert.Error(t, sch.Validate(flow(bad)), bad)
	}
}

// lastEvent returns the last reply's first event of a type.
func lastEvent(c *enginetest.Conversation, typ action.EventType) action.Event {
	if r := c.Reply(); r != nil {
		for _, e := range r.Events {
			if e.Type == typ {
				return e
			}
		}
	}
	return action.Event{}
}

func TestWebhookWithoutWait(t *testing.T) {
	var mu sync.Mutex
	var got []hook.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req hook.Request
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		mu.Lock()
		got = append(got, req)
		mu.Unlock()
		// Ignored: the action does not wait for feedback.
		_, _ = io.WriteString(w, `{"botMessage": "ignored", "nextModuleNickname": "nowhere"`)
	}))
	defer srv.Close()
	flow := `{
	  "id": "notify", "version": 1,
	  "welcome": {"message": ["Hi!"]},
	  "actions": [
	    {"name": "ask_email", "type": "ask_question", "settings": {"message": ["Your email?"], "property": "email"}},
	    {"name": "notify", "type": "webhook", "settings": {"url": "{{URL}}/lead"}},
	    {"name": "done", "type": "send_message", "settings": {"message": ["Thanks, we'll be in touch."]}}
	  ]
	}`
	h := enginetest.NewWith(t, (&testPorts{Webhooks: testWebhookPolicy()}).config(), hookFlow(flow, srv.URL))
	h.Start("c1").Says("hello").
		Says("lee@example.com").
		ExpectBot("Thanks, we'll be in touch.").
		ExpectEvent(engine.EventActionCompleted, "notify").
		ExpectStatus(engine.StatusFinished)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1)
	assert.Equal(t, "lee@example.com", got[0].UserMessage.Message)
	assert.Equal(t, "lee@example.com", got[0].Session.Properties.Contact["email"].Value, "the answer given in this turn is sent")
	assert.Equal(t, "notify", got[0].Session.CurrentModuleNickname)
}

const quizFlow = `{
  "id": "quiz", "version": 1,
  "welcome": {"message": ["Fancy a quiz?"], "quickReplies": [{"value": "yes", "label": "Yes!"}]},
  "actions": [
    {"name": "quiz", "type": "code_snippet", "onFailure": "bye", "settings": {
      "snippet": "quiz", "description": "Asks one sum until the visitor gets it right.",
      "timeout": "200ms", "errorMessage": ["The quiz broke."]}},
    {"name": "prize", "type": "send_message", "settings": {"message": ["You win, {{ contact.firstname }}!"]}},
    {"name": "bonus", "type": "code_snippet", "onFailure": "bye", "settings": {
      "snippet": "bonus", "timeout": "200ms", "errorMessage": ["No bonus round today."]}},
    {"name": "unused", "type": "send_message", "settings": {"message": ["Not reached."]}, "end": true},
    {"name": "bye", "type": "send_message", "settings": {"message": ["Thanks for playing."]}, "end": true}
  ]
}`

// quizSnippets are the host's snippets of quizFlow: "quiz" counts wrong
// answers in customState; "bonus" panics.
func quizSnippets() map[string]builtin.Snippet {
	return map[string]builtin.Snippet{
		"quiz": func(_ context.Context, req hook.Request) (hook.Response, error) {
			var st struct {
				Asked bool `json:"asked"`
				Wrong int  `json:"wrong"`
			}
			if len(req.CustomState) > 0 {
				if err := json.Unmarshal(req.CustomState, &st); err != nil {
					return hook.Response{}, err
				}
			}
			qrs := []hook.Option{{Value: "42", Label: "Forty-two"}, {Value: "24", Label: "Twenty-four"}}
			switch {
			case !st.Asked:
				st.Asked = true
				cs, _ := json.Marshal(st)
				return hook.Response{BotMessage: "What is 6 × 7?", QuickReplies: qrs, ResponseExpected: true, CustomState: cs}, nil
			case strings.TrimSpace(req.UserMessage.Message) == "42" || req.UserMessage.QuickReply != nil && req.UserMessage.QuickReply.QuickReplies[0].Value == "42":
				cs, _ := json.Marshal(st)
				msg := "Correct!"
				if st.Wrong == 1 {
					msg = "Correct, after one more try."
				}
				return hook.Response{BotMessage: msg, CustomState: cs}, nil
			default:
				st.Wrong++
				cs, _ := json.Marshal(st)
				return hook.Response{BotMessage: "Not quite, " + req.Session.Properties.Contact["firstname"].Value + ". Try again.", QuickReplies: qrs, ResponseExpected: true, CustomState: cs}, nil
			}
		},
		"bonus": func(context.Context, hook.Request) (hook.Response, error) {
			var m map[string]int
			m["crash"]++ // a bug in the host's code: assignment to a nil map
			return hook.Response{}, nil
		},
	}
}

func TestSnippetQuiz(t *testing.T) {
	h := enginetest.NewWith(t, (&testPorts{Snippets: quizSnippets()}).config(), []byte(quizFlow))
	startKnown(t, h, "c1").
		Clicks("yes").
		ExpectBot("What is 6 × 7?").
		ExpectQuickReplies("42", "24").
		ExpectAwaiting("quiz").
		Clicks("24").
		ExpectBot("Not quite, Ada. Try again.").
		ExpectAwaiting("quiz").
		Says("42").
		ExpectBot("Correct, after one more try.", "You win, Ada!", "No bonus round today.", "Thanks for playing.").
		ExpectEvent(engine.EventActionFailed, "bonus").
		ExpectStatus(engine.StatusFinished).
		MatchGolden("testdata/snippet-quiz.golden")
	s, err := h.Engine.Session(context.Background(), "c1")
	require.NoError(t, err)
	assert.JSONEq(t, `{"asked": true, "wrong": 1}`, string(s.CustomState))
}

func TestSnippetFailures(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	for name, tc := range map[string]struct {
		snippets map[string]builtin.Snippet
		reason   string
		is       error // what the action_failed event's Err matches
	}{
		"not registered": {map[string]builtin.Snippet{}, `snippet "quiz" failed: builtin: snippet not registered`, builtin.ErrSnippetNotFound},
		"timeout": {map[string]builtin.Snippet{"quiz": func(context.Context, hook.Request) (hook.Response, error) {
			<-release // ignores its context
			return hook.Response{}, nil
		}}, `snippet "quiz" failed: no answer within 200ms`, context.DeadlineExceeded},
		"panic": {map[string]builtin.Snippet{"quiz": func(context.Context, hook.Request) (hook.Response, error) {
			panic("out of coffee")
		}}, `snippet "quiz" failed: builtin: snippet panicked: out of coffee`, builtin.ErrSnippetPanic},
	} {
		t.Run(name, func(t *testing.T) {
			h := enginetest.NewWith(t, (&testPorts{Snippets: tc.snippets}).config(), []byte(quizFlow))
			start := time.Now()
			c := h.Start("c1").Clicks("yes").
				ExpectBot("The quiz broke.", "Thanks for playing.").
				ExpectStatus(engine.StatusFinished)
			assert.Less(t, time.Since(start), time.Second)
			ev := lastEvent(c, engine.EventActionFailed)
			assert.Contains(t, ev.Reason, tc.reason)
			assert.ErrorIs(t, ev.Err, tc.is, "the host can match the cause")
		})
	}
}

func TestSnippetNeedsPort(t *testing.T) {
	e, err := engine.New(withMemory(engine.Config{}))
	require.NoError(t, err)
	_, err = e.Load([]byte(quizFlow))
	assert.ErrorIs(t, err, builtin.ErrMissingPort)
}

// hookFixture is a fixture of testdata/actions for the webhook and snippet
// types, read with only the fields these fixtures use.
type hookFixture struct {
	Flow  json.RawMessage `json:"flow"`
	Steps []struct {
		Start  bool          `json:"start"`
		Says   string        `json:"says"`
		Clicks string        `json:"clicks"`
		Bot    []string      `json:"bot"`
		Status engine.Status `json:"status"`
		Events []string      `json:"events"`
	} `json:"steps"`
}

// TestHookFixtures runs the fixtures of the webhook and code snippet types
// with the ports they need: the default webhook policy, and snippets.
func TestHookFixtures(t *testing.T) {
	for name, ports := range map[string]*testPorts{
		builtin.WebhookType:     {},
		builtin.CodeSnippetType: {Snippets: map[string]builtin.Snippet{}},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "actions", name+".json"))
			require.NoError(t, err)
			var fx hookFixture
			require.NoError(t, json.Unmarshal(data, &fx))
			h := enginetest.NewWith(t, (ports).config(), fx.Flow)
			var c *enginetest.Conversation
			for i, st := range fx.Steps {
				switch {
				case st.Start:
					c = h.Start("fx")
				case st.Clicks != "":
					c.Clicks(st.Clicks)
				default:
					c.Says(st.Says)
				}
				require.NoError(t, c.Err(), "step %d", i)
				if st.Bot != nil {
					c.ExpectBot(st.Bot...)
				}
				if st.Status != "" {
					c.ExpectStatus(st.Status)
				}
				var types []string
				for _, e := range c.Reply().Events {
					types = append(types, string(e.Type))
				}
				for _, e := range st.Events {
					assert.True(t, slices.Contains(types, e), "step %d: no %s event in %v", i, e, types)
				}
			}
		})
	}
}
