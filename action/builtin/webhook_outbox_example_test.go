package builtin_test

import (
	"context"
	"log"
	"time"

	"github.com/chatflow/chatflow/action/builtin"
)

// A host wires a memory outbox into the engine's ports: the sender is
// built from the same ports, so queued requests keep the webhook policy,
// secrets and signing of calls made during a turn.
func ExampleMemoryWebhookOutbox() {
	ports := builtin.Ports{Webhooks: &builtin.WebhookPolicy{SigningKey: []byte("…")}}
	outbox, err := builtin.NewMemoryWebhookOutbox(builtin.MemoryOutboxConfig{
		Send: builtin.NewWebhookSender(ports).Send,
		OnResult: func(r builtin.WebhookDeliveryResult) {
			if r.Err != nil {
				log.Printf("%s: %s", r.Delivery.ConversationID, r.Event().Reason)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ports.WebhookOutbox = outbox
	// … engine.New(engine.Config{Stores: …, Ports: ports}) and serve …

	// At exit: deliver what is queued, for at most ten seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := outbox.Shutdown(ctx); err != nil {
		log.Print("some webhook requests were dropped: ", err)
	}
}
