package engine

import "github.com/chatflow/chatflow/action"

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
	// with OutcomeConsentRequired).
	Consent *ConsentPrompt `json:"consent,omitempty"`
	// Survey is the customer-satisfaction survey to show, set on the reply
	// that ended the bot part when the flow asks one then (see Survey and
	// Engine.Feedback).
	Survey *SurveyPrompt `json:"survey,omitempty"`
	// Outcome says what became of the input.
	Outcome Outcome `json:"outcome"`
}

// Outcome says what became of an input: the normal outcomes of a
// conversation, which are not errors.
type Outcome string

// The outcomes.
const (
	// OutcomeProcessed: the bot handled the input; the reply says what
	// it answers.
	OutcomeProcessed Outcome = "processed"
	// OutcomeDuplicate: the message ID was processed before; nothing
	// changed and the reply carries no messages.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeConversationOver: the bot part of the conversation is over
	// (Reply.Status says how); the host routes the message to its inbox.
	OutcomeConversationOver Outcome = "conversation_over"
	// OutcomeConsentRequired: the message was not processed because the
	// visitor has not (or no longer) agreed to the processing of their
	// data; Reply.Consent holds the text to show.
	OutcomeConsentRequired Outcome = "consent_required"
	// OutcomeAbandoned: Engine.Sweep ended the conversation because the
	// visitor left it unfinished past the session timeout (Status is
	// StatusAbandoned). A message the visitor sends later starts a new
	// session with the welcome message.
	OutcomeAbandoned Outcome = "abandoned"
	// OutcomeFlowDisabled: the conversation's chatflow is switched off
	// (Engine.Disable). The bot said nothing; the session, if there was
	// one, has ended with StatusEnded and an EventConversationClosed, and
	// the host routes the message to its inbox. Start answers it without
	// creating a session.
	OutcomeFlowDisabled Outcome = "flow_disabled"
)

// Texts returns the text of each message, a convenience for tests and
// simple hosts.
func (r *Reply) Texts() []string {
	out := make([]string, 0, len(r.Messages))
	for _, m := range r.Messages {
		out = append(out, m.Text)
	}
	return out
}
