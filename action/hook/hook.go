// Package hook holds the wire types of HubSpot's contract for bot webhooks
// and code snippets (SPEC §13): the JSON request the webhook action posts
// and a code snippet receives, and the response either gives back. A host
// writing a code snippet (see action/builtin.Snippet) or a webhook receiver
// in Go uses these types, and a receiver checks a signed request with
// VerifySignature (the scheme is described at SignatureHeader).
package hook

import "encoding/json"

// Request is what a webhook receives (as JSON) and a code snippet
// receives (as a value), compatible with HubSpot's bot contract (SPEC §13).
type Request struct {
	UserMessage UserMessage `json:"userMessage"`
	Session     Session     `json:"session"`
	// CustomState is what an earlier call of this conversation returned, if
	// anything.
	CustomState json.RawMessage `json:"customState,omitempty"`
	Bot         Bot             `json:"bot"`
	Module      Module          `json:"module"`
}

// UserMessage is the visitor's latest message.
type UserMessage struct {
	Message    string        `json:"message"`
	QuickReply *QuickReplies `json:"quickReply"`
}

// QuickReplies lists the quick replies the visitor chose from.
type QuickReplies struct {
	QuickReplies []Option `json:"quickReplies"`
}

// Option is a quick reply in the hook contract.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Session describes the conversation.
type Session struct {
	// VID is the contact ID, if the visitor is a known contact.
	VID                   string          `json:"vid,omitempty"`
	ConversationID        string          `json:"conversationId"`
	CurrentModuleNickname string          `json:"currentModuleNickname"`
	SessionStartedAt      int64           `json:"sessionStartedAt"`  // Unix milliseconds
	LastInteractionAt     int64           `json:"lastInteractionAt"` // Unix milliseconds
	State                 string          `json:"state"`
	CustomState           json.RawMessage `json:"customState,omitempty"`
	Properties            PropertyBags    `json:"properties"`
}

// PropertyBags holds contact and company properties.
type PropertyBags struct {
	Contact map[string]Property `json:"CONTACT"`
	Company map[string]Property `json:"COMPANY"`
}

// Property is one property value.
type Property struct {
	Value    string `json:"value"`
	SyncedAt int64  `json:"syncedAt"` // Unix milliseconds
}

// Bot identifies the bot.
type Bot struct {
	Nickname                string `json:"nickname"`
	ChatflowID              string `json:"chatflowId"`
	ConversationChannelType string `json:"conversationChannelType"`
}

// Module identifies the action.
type Module struct {
	Nickname   string `json:"nickname"`
	ModuleType string `json:"moduleType"`
}

// Response is what a webhook (with wait for feedback) or a snippet
// answers. Every field is optional.
type Response struct {
	// BotMessage is shown to the visitor as it is: its text is never
	// evaluated as a template (the webhook receives the contact's
	// properties and can personalise it itself).
	BotMessage string `json:"botMessage,omitempty"`
	// QuickReplies are offered with it.
	QuickReplies []Option `json:"quickReplies,omitempty"`
	// NextModuleNickname names the next action; empty follows the default
	// path, an unknown name the failure path.
	NextModuleNickname string `json:"nextModuleNickname,omitempty"`
	// ResponseExpected shows BotMessage, waits for the visitor's reply and
	// calls again with it.
	ResponseExpected bool `json:"responseExpected,omitempty"`
	// CustomState is passed back on the next call.
	CustomState json.RawMessage `json:"customState,omitempty"`
}
