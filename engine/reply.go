package engine

import "github.com/chatflow/chatflow/action"

// Event is something that happened during a turn (see action.Event).
type Event = action.Event

// Reply is what the engine returns from a turn: what the bot says, what it
// waits for, what happened, and where the conversation stands.
type Reply struct {
	// ConversationID identifies the conversation.
	ConversationID string `json:"conversationId"`
	// Messages are the bot's bubbles in order, each with its typing delay.
	Messages []action.Message `json:"messages,omitempty"`
	// QuickReplies are offered under the last message.
	QuickReplies []action.QuickReply `json:"quickReplies,omitempty"`
	// FreeText reports whether the visitor may type an answer (false when
	// only quick replies are accepted, or when nothing is awaited).
	FreeText bool `json:"freeText"`
	// Awaiting names the action waiting for the visitor ("" when none).
	Awaiting string `json:"awaiting,omitempty"`
	// Events are what happened, in order.
	Events []Event `json:"events,omitempty"`
	// Status is where the bot part stands after the turn.
	Status Status `json:"status"`
	// Handoff says where the conversation went when Status is StatusHandedOff.
	Handoff *action.Handoff `json:"handoff,omitempty"`
	// Consent lists the consent texts the host shows (set by Start, and
	// with ErrConsentRequired).
	Consent *ConsentPrompt `json:"consent,omitempty"`
	// Duplicate is true when the message had been processed before; the
	// reply then carries no messages.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Texts returns the text of each message, a convenience for tests and
// simple hosts.
func (r *Reply) Texts() []string {
	out := make([]string, 0, len(r.Messages))
	for _, m := range r.Messages {
		out = append(out, m.Text)
	}
	return out
}
