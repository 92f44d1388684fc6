package builtin

import (
	"context"

	"github.com/chatflow/chatflow/action"
)

// SendMessageType is the type name of SendMessage in flow JSON.
const SendMessageType = "send_message"

// SendMessage says something that needs no answer (SPEC §3.1).
//
//	{"type": "send_message", "settings": {"message": ["Hi {{ contact.firstname | default(\"there\") }}!", "How can we help?"]}}
type SendMessage struct {
	// Message is the bubbles to send.
	Message action.Messages `json:"message"`
}

// Provision checks the settings.
func (a *SendMessage) Provision(p action.Provision) error {
	if len(a.Message) == 0 {
		return p.Errorf("message", "a message needs at least one bubble")
	}
	return nil
}

// Run sends the message.
func (a *SendMessage) Run(_ context.Context, t action.Turn) (action.Result, error) {
	t.Say(a.Message)
	return action.Result{Status: action.Done}, nil
}
