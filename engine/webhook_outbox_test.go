package engine_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/action/hook"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const notifyFlow = `{
  "id": "notify", "version": 1,
  "welcome": {"message": ["Hi!"]},
  "actions": [
    {"name": "ask", "type": "ask_question", "settings": {"message": ["What can we do for you?"]}},
    {"name": "notify", "type": "webhook", "settings": {"url": "{{URL}}/crm", "errorMessage": ["Never said."]}},
    {"name": "thanks", "type": "send_message", "settings": {"message": ["Thanks, we're on it."]}}
  ]
}`

// TestWebhookWithoutFeedbackGoesThroughTheOutbox: the bot moves on while
// the receiver is still busy, and a receiver that fails is an event, not
// the end of the chat.
func TestWebhookWithoutFeedbackGoesThroughTheOutbox(t *testing.T) {
	// The receiver answers nothing until the conversations are over, then
	// accepts conversation c's request and fails d's.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req hook.Request
		_ = json.NewDecoder(r.Body).Decode(&req)
		<-release
		if req.Session.ConversationID == "d" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()

	policy := &builtin.WebhookPolicy{Timeout: time.Minute, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	ports := builtin.Ports{Webhooks: policy}
	results := make(chan builtin.WebhookDeliveryResult, 8)
	ob, err := builtin.NewMemoryWebhookOutbox(builtin.MemoryOutboxConfig{
		Send: builtin.NewWebhookSender(ports).Send, MaxAttempts: 2,
		Backoff:  func(int) time.Duration { return time.Millisecond },
		OnResult: func(r builtin.WebhookDeliveryResult) { results <- r },
	})
	require.NoError(t, err)
	ports.WebhookOutbox = ob

	h := enginetest.NewWith(t, engine.Config{Ports: ports}, hookFlow(notifyFlow, srv.URL))
	for _, id := range []string{"c", "d"} {
		h.Start(id).Says("hi").Says("my invoice is wrong").
			ExpectBot("Thanks, we're on it.").
			ExpectEvent(builtin.EventWebhookQueued, "notify").
			ExpectStatus(engine.StatusFinished)
	}
	close(release)

	byConversation := map[string]builtin.WebhookDeliveryResult{}
	for range 2 {
		r := <-results
		byConversation[r.Delivery.ConversationID] = r
	}
	assert.NoError(t, byConversation["c"].Err)
	failed := byConversation["d"]
	assert.ErrorIs(t, failed.Err, builtin.ErrWebhookStatus)
	assert.Equal(t, 2, failed.Attempts)
	assert.Equal(t, builtin.EventWebhookFailed, failed.Event().Type)
	assert.Equal(t, "notify", failed.Event().Action)
	require.NoError(t, ob.Shutdown(context.Background()))
}

// TestWebhookWithoutFeedbackOrOutbox: without an outbox the request is
// sent during the turn; its failure is an event and the bot goes on.
func TestWebhookWithoutFeedbackOrOutbox(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	h := enginetest.NewWith(t, (&testPorts{Webhooks: testWebhookPolicy()}).config(), hookFlow(notifyFlow, srv.URL))
	h.Start("c").Says("hi").Says("help").
		ExpectBot("Thanks, we're on it.").
		ExpectEvent(builtin.EventWebhookFailed, "notify").
		ExpectNoEvent(engine.EventGeneralError).
		ExpectStatus(engine.StatusFinished)
}
