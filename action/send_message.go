package action

import (
	"context"
	"errors"
)

// SendMessageType is the type name of SendMessage in flow JSON.
const SendMessageType = "send_message"

// SendMessage says something that needs no answer (SPEC §3.1).
//
//	{"type": "send_message", "settings": {"message": ["Hi {{ contact.firstname | default(\"there\") }}!", "How can we help?"]}}
type SendMessage struct {
	// Message is the bubbles to send.
	Message Messages `json:"message"`
}

// Provision compiles the message.
func (a *SendMessage) Provision(p *Provision) error {
	if len(a.Message) == 0 {
		return &SettingError{Path: "message", Err: errors.New("a message needs at least one bubble")}
	}
	return a.Message.Provision(p, "message")
}

// Run sends the message.
func (a *SendMessage) Run(_ context.Context, t Turn) (Result, error) {
	t.Say(a.Message)
	return Result{Status: Done}, nil
}
