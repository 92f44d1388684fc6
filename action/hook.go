package action

import "encoding/json"

// HookRequest is what a webhook receives (as JSON) and a code snippet
// receives (as a value), compatible with HubSpot's bot contract (SPEC §13).
type HookRequest struct {
	UserMessage HookUserMessage `json:"userMessage"`
	Session     HookSession     `json:"session"`
	// CustomState is what an earlier call of this conversation returned, if
	// anything.
	CustomState json.RawMessage `json:"customState,omitempty"`
	Bot         HookBot         `json:"bot"`
	Module      HookModule      `json:"module"`
}

// HookUserMessage is the visitor's latest message.
type HookUserMessage struct {
	Message    string          `json:"message"`
	QuickReply *HookQuickReply `json:"quickReply"`
}

// HookQuickReply lists the quick replies the visitor chose from.
type HookQuickReply struct {
	QuickReplies []HookOption `json:"quickReplies"`
}

// HookOption is a quick reply in the hook contract.
type HookOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// HookSession describes the conversation.
type HookSession struct {
	// VID is the contact ID, if the visitor is a known contact.
	VID                   string           `json:"vid,omitempty"`
	ConversationID        string           `json:"conversationId"`
	CurrentModuleNickname string           `json:"currentModuleNickname"`
	SessionStartedAt      int64            `json:"sessionStartedAt"`  // Unix milliseconds
	LastInteractionAt     int64            `json:"lastInteractionAt"` // Unix milliseconds
	State                 string           `json:"state"`
	CustomState           json.RawMessage  `json:"customState,omitempty"`
	Properties            HookPropertyBags `json:"properties"`
}

// HookPropertyBags holds contact and company properties.
type HookPropertyBags struct {
	Contact map[string]HookProperty `json:"CONTACT"`
	Company map[string]HookProperty `json:"COMPANY"`
}

// HookProperty is one property value.
type HookProperty struct {
	Value    string `json:"value"`
	SyncedAt int64  `json:"syncedAt"` // Unix milliseconds
}

// HookBot identifies the bot.
type HookBot struct {
	Nickname                string `json:"nickname"`
	ChatflowID              string `json:"chatflowId"`
	ConversationChannelType string `json:"conversationChannelType"`
}

// HookModule identifies the action.
type HookModule struct {
	Nickname   string `json:"nickname"`
	ModuleType string `json:"moduleType"`
}

// HookResponse is what a webhook (with wait for feedback) or a snippet
// answers. Every field is optional.
type HookResponse struct {
	// BotMessage is shown to the visitor; it may carry personalization tokens.
	BotMessage string `json:"botMessage,omitempty"`
	// QuickReplies are offered with it.
	QuickReplies []HookOption `json:"quickReplies,omitempty"`
	// NextModuleNickname names the next action; empty follows the default
	// path, an unknown name the failure path.
	NextModuleNickname string `json:"nextModuleNickname,omitempty"`
	// ResponseExpected shows BotMessage, waits for the visitor's reply and
	// calls again with it.
	ResponseExpected bool `json:"responseExpected,omitempty"`
	// CustomState is passed back on the next call.
	CustomState json.RawMessage `json:"customState,omitempty"`
}
