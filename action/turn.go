package action

import (
	"encoding/json"
	"time"

	"github.com/chatflow/chatflow/store"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
)

// Object names the kind of record a property belongs to.
type Object string

const (
	// ContactObject is the visitor's contact record.
	ContactObject Object = "contact"
	// CompanyObject is the company associated with the visitor's contact.
	CompanyObject Object = "company"
)

// Turn is what an action may see and change while it runs. The engine
// implements it; a Turn is only valid during the Run or Answer call it was
// passed to and must not be retained.
type Turn interface {
	// Now is the time of the turn (the visitor's message time).
	Now() time.Time
	// ActionName is the name of the running action.
	ActionName() string
	// ConversationID identifies the conversation.
	ConversationID() string
	// Language is the flow's language (BCP 47).
	Language() string
	// PhoneRegion is the default region for phone numbers (ISO 3166, e.g. "US").
	PhoneRegion() string

	// Say adds messages to the reply; their templates are rendered against
	// the current variables.
	Say(m Messages)
	// SayText adds one plain text message that is not a template.
	SayText(text string)
	// Prompt sets the quick replies offered with the last message and
	// whether free text is accepted; it is how a waiting action asks.
	Prompt(quickReplies []QuickReply, freeText bool)
	// Render renders a template against the current variables.
	Render(t *condition.Template) string
	// Vars returns the variables conditions see now. The value is owned by
	// the turn; do not keep or modify it.
	Vars() *condition.Vars

	// Property returns a property of the visitor's contact or company,
	// including values set earlier in this conversation but not yet stored.
	Property(obj Object, name string) (string, bool)
	// SetProperty records a property value. Contact values are written when
	// the turn ends (once the visitor is a known contact; until then they are
	// kept with the session). It fails when the object does not exist (a
	// company property without an associated company) or the write is not
	// allowed yet (consent).
	SetProperty(obj Object, name, value string) error
	// PropertyDef returns the definition of a property (type, options).
	PropertyDef(obj Object, name string) PropertyDef
	// ContactKnown reports whether the visitor is linked to a contact record.
	ContactKnown() bool
	// HasCompany reports whether the visitor's contact has an associated company.
	HasCompany() bool
	// ContactID is the visitor's contact record ID ("" while unknown).
	ContactID() string
	// Identified reports whether the host identified the visitor (logged in).
	Identified() bool
	// Properties returns all properties of the contact or company as the
	// turn sees them (stored values overlaid with this conversation's writes).
	Properties(obj Object) store.Properties

	// Input is the visitor's input of this turn (zero before the first).
	Input() Input
	// Channel is the conversation's channel ("chat", "whatsapp", …).
	Channel() string
	// FlowID is the running chatflow's ID.
	FlowID() string
	// StartedAt and LastInteractionAt are the session's timestamps.
	StartedAt() time.Time
	LastInteractionAt() time.Time
	// CustomState is the state webhooks and snippets pass back between calls.
	CustomState() json.RawMessage
	// SetCustomState replaces it.
	SetCustomState(s json.RawMessage)

	// State returns the running action's saved state (nil if none). State is
	// kept while the action waits and cleared when the conversation moves on.
	State() []byte
	// SetState replaces the running action's state.
	SetState(b []byte)
	// SetAnswer records the visitor's answer to the running action; later
	// conditions see it as answers.<action name>.
	SetAnswer(value string)
	// HasAction reports whether the flow has an action of that name.
	HasAction(name string) bool
	// IdempotencyKey is a key unique to this action in this turn of this
	// conversation. Ports that create things (tickets, list entries) should
	// use it so that a retried message does not create them twice.
	IdempotencyKey() string
	// RecordConsent records a consent decision made in this action (the
	// engine fills in who, where and when, and stores it with the turn).
	RecordConsent(r consent.Record)
	// Emit adds an event to the reply.
	Emit(e Event)
	// Ports returns the host's ports.
	Ports() *Ports
}
