package action

import (
	"encoding/json"
	"time"

	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
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
	// Session returns the read-only facts of the conversation as they stand
	// now (the contact ID changes once a visitor gives their email address).
	Session() Session
	// Input is the visitor's input of this turn (zero before the first).
	Input() Input

	// Say adds messages to the reply. Bubbles of settings are rendered
	// against the current variables; bubbles built at run time are said as
	// they are.
	Say(m Messages)
	// Prompt sets the quick replies offered with the last message and
	// whether free text is accepted; it is how a waiting action asks.
	Prompt(quickReplies []QuickReply, freeText bool)
	// Render renders a template compiled with Provision.Template.
	Render(t *condition.Template) string

	// Property returns a property of the visitor's contact or company,
	// including values set earlier in this conversation but not yet stored.
	// An empty value counts as not set.
	Property(obj Object, name string) (string, bool)
	// Properties returns every property of the contact or company as the
	// turn sees them (stored values overlaid with this conversation's
	// writes), as a new map the caller owns.
	Properties(obj Object) store.Properties
	// SetProperty records a property value. Contact values are written when
	// the turn ends (once the visitor is a known contact; until then they are
	// kept with the session). It fails when the object does not exist (a
	// company property without an associated company) or the write is not
	// allowed yet (consent).
	SetProperty(obj Object, name, value string) error
	// HasCompany reports whether the visitor's contact has an associated
	// company in the engine's companies store.
	HasCompany() bool

	// Answer returns the answer recorded by the named action earlier in the
	// conversation (what conditions see as answers.<name>).
	Answer(actionName string) (string, bool)
	// SetAnswer records the visitor's answer to the running action; later
	// conditions see it as answers.<action name>, and this action's branches
	// as answer.
	SetAnswer(value string)
	// State returns the running action's saved state (nil if none). State is
	// kept while the action waits and cleared when the conversation moves on.
	State() []byte
	// SetState replaces the running action's state.
	SetState(b []byte)
	// SetCustomState replaces the conversation's custom state, a JSON object
	// shared by the conversation's actions (HubSpot's customState of
	// webhooks and code snippets); Session().CustomState reads it.
	SetCustomState(s json.RawMessage)

	// IdempotencyKey is a key unique to this action in this turn of this
	// conversation, and the same when the host retries the turn. Ports that
	// create things (tickets, calls to other systems) should use it so that
	// a retried message does not create them twice.
	IdempotencyKey() string
	// RecordConsent records a consent decision made in this action (the
	// engine fills in who, where and when, and stores it with the turn). A
	// consent to communicate granted or withdrawn for a subscription type
	// also sets the contact's subscription state, in the same commit.
	RecordConsent(r consent.Record)
	// Emit adds an event to the reply; the engine fills in the time and the
	// action when they are empty.
	Emit(e Event)
}

// Session is the read-only facts of a conversation that an action may use.
type Session struct {
	// ConversationID identifies the conversation.
	ConversationID string
	// FlowID and FlowVersion identify the running chatflow version.
	FlowID      string
	FlowVersion int
	// ActionName and ActionType identify the running action.
	ActionName string
	ActionType string
	// Channel is the conversation's channel ("chat", "whatsapp", …).
	Channel string
	// Language is the flow's language (BCP 47, e.g. "en", "nl").
	Language string
	// PhoneRegion is the default region for phone numbers (ISO 3166, e.g. "US").
	PhoneRegion string
	// ContactID is the visitor's contact record ID ("" while unknown).
	ContactID string
	// Identified reports whether the host identified the visitor (logged
	// in), as opposed to a visitor who only typed an email address.
	Identified bool
	// Now is the time of the turn (the visitor's message time).
	Now time.Time
	// StartedAt and LastInteractionAt are the session's timestamps.
	StartedAt         time.Time
	LastInteractionAt time.Time
	// CustomState is the conversation's custom state (see
	// Turn.SetCustomState); the caller must not modify it.
	CustomState json.RawMessage
}

// Provision is what Provisioner.Provision receives: the facts of the flow
// being loaded and the loader's services. The engine implements it; it is
// only valid during the Provision call.
type Provision interface {
	// ActionName is the action's name in the flow.
	ActionName() string
	// ActionNames are the names of every action of the flow, for settings
	// or responses that name actions only known at run time.
	ActionNames() []string
	// Language is the flow's language (BCP 47, e.g. "en", "nl").
	Language() string
	// Property returns the schema's definition of a contact or company
	// property (a string property when the schema does not name it).
	Property(obj Object, name string) condition.PropertyDef
	// Text returns a built-in text in the flow's language: the flow's own
	// "texts", then the host's catalogue, then package catalog's, each
	// tried for the flow's language tag, its base language and English
	// (see catalog.Resolve). It is "" for a key no catalogue has.
	Text(key catalog.Key) string

	// Template compiles a {{ … }} template found at path (relative to the
	// settings, e.g. "value"). Messages fields need no call: the loader
	// compiles them.
	Template(path, text string) (*condition.Template, error)
	// Condition compiles a boolean CEL condition found at path.
	Condition(path, expr string) (*condition.Condition, error)
	// Errorf returns a problem at path (relative to the settings) as the
	// *condition.Error the loader reports, naming the flow path and action.
	Errorf(path, format string, args ...any) error

	// Reference declares that the settings at path name another action;
	// the loader checks that it exists and counts it as an edge of the flow
	// graph (for disconnected actions and loops).
	Reference(path, actionName string)
	// Waits declares that the action waits for the visitor whenever it runs,
	// which lets the loader accept loops through it.
	Waits()
	// ChoosesNext declares that the action may name its next action at run
	// time (Result.Next from outside data, such as a webhook's answer), so
	// every action of the flow counts as reachable.
	ChoosesNext()
	// AcceptSignal declares a host signal (Input.Signal) the waiting action
	// takes; the engine refuses other signals.
	AcceptSignal(name string)
}
