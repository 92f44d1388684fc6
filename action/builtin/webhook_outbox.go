package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/chatflow/chatflow/action"
)

// A webhook that does not wait for feedback never holds the conversation
// (SPEC §14): with Ports.WebhookOutbox set, its request is handed to the
// outbox and the bot moves on at once; the outbox delivers it afterwards
// through the same guarded client, secrets and signature as a call made
// during a turn (WebhookSender), retrying with backoff. A failure is an
// event, never the end of the chat.

// The events of webhooks that do not wait for feedback.
const (
	// EventWebhookQueued: the request was handed to the outbox; Value is
	// the delivery's ID.
	EventWebhookQueued action.EventType = "webhook_queued"
	// EventWebhookFailed: a webhook that does not wait for feedback could
	// not be delivered — the outbox refused it, or (without an outbox) the
	// call made during the turn failed, or (reported by an outbox through
	// WebhookDeliveryResult.Event) every attempt failed. Reason says why;
	// Err matches the cause. The conversation goes on.
	EventWebhookFailed action.EventType = "webhook_failed"
)

// ErrOutboxClosed reports a delivery the outbox no longer takes, or one it
// dropped undelivered when it was shut down.
var ErrOutboxClosed = errors.New("builtin: webhook outbox closed")

// ErrOutboxFull reports a delivery refused because the outbox's queue is
// full.
var ErrOutboxFull = errors.New("builtin: webhook outbox full")

// ErrWebhookDelivery reports a delivery that cannot be sent at all: its
// webhook settings do not decode.
var ErrWebhookDelivery = errors.New("builtin: invalid webhook delivery")

// WebhookDelivery is the request of a webhook that does not wait for
// feedback, handed to a WebhookOutbox. It holds what any process needs to
// send it later — the webhook's settings as they appear in the flow (names
// of secrets, never their values) and the request body — and is plain
// JSON, so that a durable outbox can store it as it is. The body carries
// the visitor's contact properties: a durable outbox should delete a
// delivery once it is delivered or given up.
type WebhookDelivery struct {
	// ID is unique to the action in the turn, and the same when the host
	// retries the turn (Turn.IdempotencyKey); it is sent as the
	// Idempotency-Key header, so a receiver can drop a repeated delivery,
	// and an outbox may use it to drop a duplicate it still holds.
	ID string `json:"id"`
	// ConversationID, FlowID, FlowVersion and Action say where it comes
	// from.
	ConversationID string `json:"conversationId"`
	FlowID         string `json:"flowId"`
	FlowVersion    int    `json:"flowVersion"`
	Action         string `json:"action"`
	// Webhook is the action's settings, in flow JSON.
	Webhook json.RawMessage `json:"webhook"`
	// Body is the request body: the JSON of SPEC §13 (hook.Request).
	Body json.RawMessage `json:"body"`
	// Created is the time of the turn that made it.
	Created time.Time `json:"created"`
}

// WebhookOutbox takes the requests of webhooks that do not wait for
// feedback and delivers them after the turn, with WebhookSender, retrying
// failures that may pass (see WebhookRetryable) with backoff. Enqueue is
// called during the turn, under the conversation's lock: it must return
// quickly and must not send the request itself. An error means the
// delivery was not taken; the action reports it with EventWebhookFailed
// and the conversation goes on. A delivery may be enqueued twice with one
// ID when the host retries a turn.
//
// MemoryWebhookOutbox delivers in the background of one process. A host
// that must not lose deliveries when a process stops implements the
// interface over its own durable queue (a table, a stream) and runs
// workers that call WebhookSender.Send. Implementations must be safe for
// concurrent use.
type WebhookOutbox interface {
	Enqueue(ctx context.Context, d WebhookDelivery) error
}

// WebhookSender sends webhook deliveries exactly as the webhook action
// calls during a turn: under the policy of Ports.Webhooks (the address
// rule, redirects, timeout, limits), with the secrets of Ports.Secrets
// resolved at every attempt, signed with the webhook's or the policy's
// key, and with the delivery's ID as the Idempotency-Key header. The
// response body is not read; any 2xx status is a success. It is safe for
// concurrent use; build it with NewWebhookSender.
type WebhookSender struct {
	svc *services
}

// NewWebhookSender returns a sender for the engine's ports (their
// Webhooks policy and Secrets; the other fields are not used).
func NewWebhookSender(ports Ports) *WebhookSender {
	return &WebhookSender{svc: &services{ports: ports}}
}

// Send makes one attempt to deliver d. Its error matches the cause, as
// the webhook action's failures do (ErrWebhookStatus and
// *WebhookStatusError, ErrWebhookAddress, ErrWebhookSecret,
// context.DeadlineExceeded …), or ErrWebhookDelivery when d's settings do
// not decode.
func (s *WebhookSender) Send(ctx context.Context, d WebhookDelivery) error {
	w := Webhook{svc: s.svc}
	if err := json.Unmarshal(d.Webhook, &w); err != nil {
		return fmt.Errorf("%w: settings: %v", ErrWebhookDelivery, err)
	}
	if (w.URL == "") == (w.URLSecret == "") {
		return fmt.Errorf("%w: settings need a url or a urlSecret", ErrWebhookDelivery)
	}
	named := w.URLSecret != "" || len(w.SecretHeaders) > 0 || len(w.SecretQuery) > 0 || w.SigningSecret != ""
	if named && s.svc.ports.Secrets == nil {
		return fmt.Errorf("%w: the settings name secrets and the sender has no Ports.Secrets", ErrWebhookSecret)
	}
	w.WaitForResponse = false
	pol := webhookPolicy(s.svc.ports.Webhooks)
	client, release, err := webhookClient(pol)
	if err != nil {
		return err
	}
	defer release()
	_, err = w.send(ctx, client, pol, d.Body, d.ID)
	return err
}

// WebhookStatusError is the error of a webhook that answered with a status
// other than 2xx; it matches ErrWebhookStatus.
type WebhookStatusError struct {
	// Code is the HTTP status code.
	Code int
	// Status is the status line's text, such as "502 Bad Gateway".
	Status string
}

// Error says the status: "builtin: webhook answered with an error status: 502 Bad Gateway".
func (e *WebhookStatusError) Error() string { return ErrWebhookStatus.Error() + ": " + e.Status }

// Unwrap returns ErrWebhookStatus.
func (e *WebhookStatusError) Unwrap() error { return ErrWebhookStatus }

// WebhookRetryable reports whether a failed delivery may succeed if tried
// again: a transport error or a timeout, or a status of 408, 425, 429 or
// 5xx. The others would fail again: an address, redirect, secret or client
// the policy refuses, settings that do not decode, any other 4xx.
func WebhookRetryable(err error) bool {
	var se *WebhookStatusError
	switch {
	case err == nil:
		return false
	case errors.As(err, &se):
		switch se.Code {
		case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
			return true
		}
		return se.Code >= 500
	case errors.Is(err, ErrWebhookAddress), errors.Is(err, ErrWebhookRedirect), errors.Is(err, ErrWebhookSecret),
		errors.Is(err, ErrWebhookClient), errors.Is(err, ErrWebhookDelivery), errors.Is(err, context.Canceled):
		return false
	}
	return true
}

// deliverLater is the turn's part of a webhook that does not wait for
// feedback: hand the request to the outbox (or, without one, make the call
// now), report the outcome as an event, and move on whatever happened.
func (w *Webhook) deliverLater(ctx context.Context, t action.Turn) action.Result {
	req := newHookRequest(t, WebhookType, t.Input(), nil)
	ob := w.svc.ports.WebhookOutbox
	if ob == nil {
		// No outbox: one call during the turn, bounded by the policy's
		// timeout; a failure is still only an event.
		if _, err := w.post(ctx, t, req); err != nil {
			t.Emit(action.Event{Type: EventWebhookFailed, Reason: "webhook call to " + w.hostName() + " failed: " + err.Error(), Err: err})
		}
		return action.Result{Status: action.Done}
	}
	body, err := json.Marshal(req)
	if err == nil {
		var settings []byte
		if settings, err = json.Marshal(w); err == nil {
			sess := t.Session()
			d := WebhookDelivery{ID: t.IdempotencyKey(), ConversationID: sess.ConversationID, FlowID: sess.FlowID,
				FlowVersion: sess.FlowVersion, Action: sess.ActionName, Webhook: settings, Body: body, Created: sess.Now}
			if err = ob.Enqueue(ctx, d); err == nil {
				t.Emit(action.Event{Type: EventWebhookQueued, Value: d.ID})
				return action.Result{Status: action.Done}
			}
		}
	}
	t.Emit(action.Event{Type: EventWebhookFailed, Reason: "webhook to " + w.hostName() + " not queued: " + err.Error(), Err: err})
	return action.Result{Status: action.Done}
}
