package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
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

// noLeak records the goroutines running now; the function it returns
// fails the test when more are running after, once the runtime has had a
// chance to retire the ones that are ending (an HTTP connection closing).
// It waits for that, but asserts nothing about how long it takes.
func noLeak(t *testing.T) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// results collects an outbox's results.
type results struct {
	mu   sync.Mutex
	got  []WebhookDeliveryResult
	done chan WebhookDeliveryResult
}

func newResults() *results { return &results{done: make(chan WebhookDeliveryResult, 64)} }

func (r *results) add(res WebhookDeliveryResult) {
	r.mu.Lock()
	r.got = append(r.got, res)
	r.mu.Unlock()
	r.done <- res
}

// next waits for the next result.
func (r *results) next(t *testing.T) WebhookDeliveryResult {
	t.Helper()
	select {
	case res := <-r.done:
		return res
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery result")
		return WebhookDeliveryResult{}
	}
}

func newOutbox(t *testing.T, cfg MemoryOutboxConfig) *MemoryWebhookOutbox {
	t.Helper()
	o, err := NewMemoryWebhookOutbox(cfg)
	must.NoError(t, err)
	return o
}

// TestWebhookWithoutWaitDoesNotHoldTheTurn: the bot moves on while the
// receiver is still busy with the request.
func TestWebhookWithoutWaitDoesNotHoldTheTurn(t *testing.T) {
	release := make(chan struct{})
	srv := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) { <-release })
	check := noLeak(t)
	res := newResults()
	ports := localPorts()
	ports.Webhooks.SigningKey = []byte("k3y")
	ob := newOutbox(t, MemoryOutboxConfig{Send: NewWebhookSender(ports).Send, OnResult: res.add})
	ports.WebhookOutbox = ob
	w := newWebhook(t, srv.URL+"/hook", false, ports)

	turn := newFakeTurn()
	r, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done}, r, "the action completes at once")
	must.Len(t, turn.events, 1)
	assert.Equal(t, EventWebhookQueued, turn.events[0].Type)
	assert.Equal(t, "conv-1/m1/lookup", turn.events[0].Value)
	assert.Empty(t, turn.said)

	close(release)
	got := res.next(t)
	must.NoError(t, got.Err)
	assert.Equal(t, 1, got.Attempts)
	assert.Equal(t, action.Event{}, got.Event(), "a success is no event")
	assert.Equal(t, 1, srv.calls())
	req := srv.request(t, 0)
	assert.Equal(t, "Where is my order?", req.UserMessage.Message)
	assert.Equal(t, "lookup", req.Module.Nickname)
	h := srv.header(t, 0)
	assert.Equal(t, "conv-1/m1/lookup", h.Get("Idempotency-Key"))
	srv.mu.Lock()
	body := srv.bodies[0]
	srv.mu.Unlock()
	assert.NoError(t, hook.VerifySignature(h.Get(hook.SignatureHeader), body, []byte("k3y"), time.Now(), 0), "signed like a call made during the turn")
	assert.Equal(t, "support-bot", got.Delivery.FlowID)
	assert.Equal(t, "lookup", got.Delivery.Action)

	must.NoError(t, ob.Shutdown(context.Background()))
	check()
}

// TestOutboxRetriesWithBackoff: failures that may pass are tried again,
// after the configured backoff, until one succeeds.
func TestOutboxRetriesWithBackoff(t *testing.T) {
	var mu sync.Mutex
	statuses := []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusOK}
	srv := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		code := statuses[0]
		statuses = statuses[1:]
		mu.Unlock()
		w.WriteHeader(code)
	})
	check := noLeak(t)
	var waits []int
	res := newResults()
	ob := newOutbox(t, MemoryOutboxConfig{Send: NewWebhookSender(localPorts()).Send, OnResult: res.add,
		Backoff: func(n int) time.Duration {
			mu.Lock()
			waits = append(waits, n)
			mu.Unlock()
			return time.Millisecond
		}})
	ports := localPorts()
	ports.WebhookOutbox = ob
	w := newWebhook(t, srv.URL, false, ports)
	_, err := w.Run(context.Background(), newFakeTurn())
	must.NoError(t, err)
	got := res.next(t)
	must.NoError(t, got.Err)
	assert.Equal(t, 3, got.Attempts)
	mu.Lock()
	assert.Equal(t, []int{1, 2}, waits)
	mu.Unlock()
	assert.Equal(t, 3, srv.calls())
	for i := range 3 {
		assert.Equal(t, "conv-1/m1/lookup", srv.header(t, i).Get("Idempotency-Key"), "every attempt carries the same key")
	}
	must.NoError(t, ob.Shutdown(context.Background()))
	check()
}

// TestOutboxGivesUp: a failure that would fail again is not retried, and
// retries stop at MaxAttempts; either is a result, with its event.
func TestOutboxGivesUp(t *testing.T) {
	bad := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadRequest) })
	down := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	check := noLeak(t)
	res := newResults()
	ob := newOutbox(t, MemoryOutboxConfig{Send: NewWebhookSender(localPorts()).Send, OnResult: res.add, MaxAttempts: 3, Workers: 1,
		Backoff: func(int) time.Duration { return 0 }})
	ports := localPorts()
	ports.WebhookOutbox = ob
	for i, u := range []string{bad.URL, down.URL} {
		turn := newFakeTurn()
		turn.idemKey = fmt.Sprintf("k%d", i)
		_, err := newWebhook(t, u, false, ports).Run(context.Background(), turn)
		must.NoError(t, err)
	}
	first, second := res.next(t), res.next(t)
	var se *WebhookStatusError
	must.ErrorAs(t, first.Err, &se)
	assert.Equal(t, http.StatusBadRequest, se.Code)
	assert.ErrorIs(t, first.Err, ErrWebhookStatus)
	assert.Equal(t, 1, first.Attempts, "a 400 would fail again")
	assert.Equal(t, 3, second.Attempts)
	assert.ErrorIs(t, second.Err, ErrWebhookStatus)
	ev := second.Event()
	assert.Equal(t, EventWebhookFailed, ev.Type)
	assert.Equal(t, "lookup", ev.Action)
	assert.Equal(t, "k1", ev.Value)
	assert.Contains(t, ev.Reason, "after 3 attempts")
	assert.ErrorIs(t, ev.Err, ErrWebhookStatus)
	must.NoError(t, ob.Shutdown(context.Background()))
	check()
}

// TestOutboxKeepsTheAddressRule: a delivery goes through the guarded
// client: the default policy refuses the loopback test server, for good.
func TestOutboxKeepsTheAddressRule(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	res := newResults()
	ob := newOutbox(t, MemoryOutboxConfig{Send: NewWebhookSender(Ports{}).Send, OnResult: res.add})
	defer ob.Close()
	w := newWebhook(t, srv.URL, false, Ports{WebhookOutbox: ob})
	_, err := w.Run(context.Background(), newFakeTurn())
	must.NoError(t, err)
	got := res.next(t)
	assert.ErrorIs(t, got.Err, ErrWebhookAddress)
	assert.Equal(t, 1, got.Attempts)
	assert.Zero(t, srv.calls())
}

// TestOutboxResolvesSecretsAtSend: the delivery holds the names of the
// secrets; the sender resolves them for each attempt.
func TestOutboxResolvesSecretsAtSend(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	var mu sync.Mutex
	token := "Bearer one"
	secrets := SecretsFunc(func(_ context.Context, name string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		switch name {
		case "crm_token":
			return token, nil
		case "signing":
			return "s1gn", nil
		}
		return "", errors.New("no such secret")
	})
	ports := localPorts()
	ports.Secrets = secrets
	res := newResults()
	ob := newOutbox(t, MemoryOutboxConfig{Send: NewWebhookSender(ports).Send, OnResult: res.add})
	defer ob.Close()
	ports.WebhookOutbox = ob
	w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+srv.URL+`", "secretHeaders": {"Authorization": "crm_token"}, "signingSecret": "signing"}`, store.Stores{}, ports)
	turn := newFakeTurn()
	_, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	must.NoError(t, res.next(t).Err)
	assert.Equal(t, "Bearer one", srv.header(t, 0).Get("Authorization"))

	// The queued delivery names the secret, never its value.
	var d WebhookDelivery
	d.ID, d.Webhook, d.Body = "again", mustJSON(t, w), []byte(`{}`)
	assert.NotContains(t, string(d.Webhook), "Bearer")
	mu.Lock()
	token = "Bearer two" // rotated
	mu.Unlock()
	must.NoError(t, ob.Enqueue(context.Background(), d))
	must.NoError(t, res.next(t).Err)
	assert.Equal(t, "Bearer two", srv.header(t, 1).Get("Authorization"))
	srv.mu.Lock()
	body := srv.bodies[1]
	srv.mu.Unlock()
	assert.NoError(t, hook.VerifySignature(srv.header(t, 1).Get(hook.SignatureHeader), body, []byte("s1gn"), time.Now(), 0))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must.NoError(t, err)
	return b
}

// TestOutboxRefusals: a full queue and a closed outbox refuse deliveries;
// the action reports it as an event and the conversation goes on.
func TestOutboxRefusals(t *testing.T) {
	check := noLeak(t)
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	ob := newOutbox(t, MemoryOutboxConfig{Workers: 1, QueueSize: 1, Send: func(ctx context.Context, _ WebhookDelivery) error {
		started <- struct{}{}
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil
	}})
	ports := localPorts()
	ports.WebhookOutbox = ob
	w := newWebhook(t, "https://hooks.example.com/x", false, ports)
	run := func(key string) *fakeTurn {
		turn := newFakeTurn()
		turn.idemKey = key
		r, err := w.Run(context.Background(), turn)
		must.NoError(t, err)
		assert.Equal(t, action.Done, r.Status, "never the end of the chat")
		assert.Empty(t, turn.said, "the visitor hears nothing of it")
		return turn
	}
	run("a")
	<-started // "a" is being delivered; the queue is empty
	assert.Equal(t, EventWebhookQueued, run("b").events[0].Type)
	assert.Equal(t, EventWebhookQueued, run("b").events[0].Type, "a duplicate of a waiting delivery is dropped")
	assert.Equal(t, 2, ob.Len())
	full := run("c").events[0]
	assert.Equal(t, EventWebhookFailed, full.Type)
	assert.ErrorIs(t, full.Err, ErrOutboxFull)
	close(block)
	must.NoError(t, ob.Shutdown(context.Background()))
	closed := run("d").events[0]
	assert.Equal(t, EventWebhookFailed, closed.Type)
	assert.ErrorIs(t, closed.Err, ErrOutboxClosed)
	check()
}

// TestOutboxShutdown: Shutdown delivers what is queued; when its context
// ends first it cuts the attempts and backoffs short, reports the
// deliveries dropped, and leaves no goroutine behind.
func TestOutboxShutdown(t *testing.T) {
	t.Run("drains", func(t *testing.T) {
		check := noLeak(t)
		var mu sync.Mutex
		var sent []string
		ob := newOutbox(t, MemoryOutboxConfig{Workers: 1, Send: func(_ context.Context, d WebhookDelivery) error {
			mu.Lock()
			sent = append(sent, d.ID)
			mu.Unlock()
			return nil
		}})
		for i := range 5 {
			must.NoError(t, ob.Enqueue(context.Background(), WebhookDelivery{ID: fmt.Sprint(i)}))
		}
		must.NoError(t, ob.Shutdown(context.Background()))
		assert.Len(t, sent, 5)
		assert.Zero(t, ob.Len())
		check()
	})
	t.Run("cut short", func(t *testing.T) {
		check := noLeak(t)
		res := newResults()
		attempting := make(chan struct{}, 8)
		ob := newOutbox(t, MemoryOutboxConfig{Workers: 2, OnResult: res.add,
			Backoff: func(int) time.Duration { return time.Hour },
			Send: func(ctx context.Context, d WebhookDelivery) error {
				attempting <- struct{}{}
				if d.ID == "hangs" {
					<-ctx.Done()
					return ctx.Err()
				}
				return &WebhookStatusError{Code: 503, Status: "503 Service Unavailable"} // then waits an hour
			}})
		must.NoError(t, ob.Enqueue(context.Background(), WebhookDelivery{ID: "hangs"}))
		must.NoError(t, ob.Enqueue(context.Background(), WebhookDelivery{ID: "retries"}))
		must.NoError(t, ob.Enqueue(context.Background(), WebhookDelivery{ID: "waits"}))
		<-attempting
		<-attempting
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		assert.ErrorIs(t, ob.Shutdown(ctx), context.Canceled)
		byID := map[string]WebhookDeliveryResult{}
		for range 3 {
			r := res.next(t)
			byID[r.Delivery.ID] = r
		}
		for id, r := range byID {
			assert.ErrorIs(t, r.Err, ErrOutboxClosed, id)
		}
		assert.Zero(t, byID["waits"].Attempts, "never attempted")
		assert.Equal(t, 1, byID["retries"].Attempts)
		must.ErrorIs(t, ob.Enqueue(context.Background(), WebhookDelivery{ID: "late"}), ErrOutboxClosed)
		must.NoError(t, ob.Close(), "closing again is harmless")
		check()
	})
	t.Run("panicking sender", func(t *testing.T) {
		check := noLeak(t)
		res := newResults()
		ob := newOutbox(t, MemoryOutboxConfig{OnResult: res.add, Send: func(context.Context, WebhookDelivery) error { panic("boom") }})
		must.NoError(t, ob.Enqueue(context.Background(), WebhookDelivery{ID: "p"}))
		r := res.next(t)
		assert.ErrorIs(t, r.Err, ErrWebhookDelivery)
		assert.Contains(t, r.Err.Error(), "boom")
		must.NoError(t, ob.Close())
		check()
	})
}

// TestWebhookWithoutOutboxFailsQuietly: with no outbox the request is sent
// during the turn; its failure is an event, not the failure path.
func TestWebhookWithoutOutboxFailsQuietly(t *testing.T) {
	failing := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	w := newWebhook(t, failing.URL, false, localPorts())
	turn := newFakeTurn()
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done}, res)
	assert.Empty(t, turn.said, "the error message is not said")
	must.Len(t, turn.events, 1)
	assert.Equal(t, EventWebhookFailed, turn.events[0].Type)
	assert.ErrorIs(t, turn.events[0].Err, ErrWebhookStatus)
	assert.True(t, strings.Contains(turn.events[0].Reason, "502"), turn.events[0].Reason)
	assert.Equal(t, 1, failing.calls())
}

func TestWebhookRetryable(t *testing.T) {
	for err, want := range map[error]bool{
		nil:                                                   false,
		&WebhookStatusError{Code: 500}:                        true,
		&WebhookStatusError{Code: 503}:                        true,
		&WebhookStatusError{Code: 429}:                        true,
		&WebhookStatusError{Code: 408}:                        true,
		&WebhookStatusError{Code: 400}:                        false,
		&WebhookStatusError{Code: 404}:                        false,
		fmt.Errorf("x: %w", ErrWebhookAddress):                false,
		fmt.Errorf("x: %w", ErrWebhookRedirect):               false,
		fmt.Errorf("x: %w", ErrWebhookSecret):                 false,
		fmt.Errorf("x: %w", ErrWebhookDelivery):               false,
		context.Canceled:                                      false,
		fmt.Errorf("no answer: %w", context.DeadlineExceeded): true,
		errors.New("connection refused"):                      true,
	} {
		assert.Equal(t, want, WebhookRetryable(err), "%v", err)
	}
}

func TestDefaultOutboxBackoff(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 9; n++ {
		got = append(got, DefaultOutboxBackoff(n))
	}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		32 * time.Second, time.Minute, time.Minute, time.Minute}, got)
}

func TestSenderRefusesBadDeliveries(t *testing.T) {
	s := NewWebhookSender(localPorts())
	assert.ErrorIs(t, s.Send(context.Background(), WebhookDelivery{Webhook: []byte(`[`)}), ErrWebhookDelivery)
	assert.ErrorIs(t, s.Send(context.Background(), WebhookDelivery{Webhook: []byte(`{}`)}), ErrWebhookDelivery)
	assert.ErrorIs(t, s.Send(context.Background(), WebhookDelivery{Webhook: []byte(`{"urlSecret":"x"}`)}), ErrWebhookSecret)
	_, err := NewMemoryWebhookOutbox(MemoryOutboxConfig{})
	assert.Error(t, err)
	_, err = NewMemoryWebhookOutbox(MemoryOutboxConfig{Send: s.Send, Workers: -1})
	assert.Error(t, err)
}
