package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/targeting"
	"github.com/chatflow/chatflow/targeting/availability"
)

// Duration is a time.Duration written in flow JSON as a Go duration string
// such as "1.5s" or "30m".
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"30m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = Duration(v)
	return nil
}

// Definition is a flow as written in JSON (see docs/flow-format.md). Load
// turns it into a Flow.
type Definition struct {
	// ID identifies the chatflow; versions of one chatflow share it.
	ID string `json:"id"`
	// Version numbers the published versions of the chatflow (1, 2, …).
	Version int `json:"version"`
	// Name is a display name.
	Name string `json:"name,omitempty"`
	// Language is the flow's display language (BCP 47), default "en".
	Language string `json:"language,omitempty"`
	// Welcome is the first thing the visitor sees.
	Welcome Welcome `json:"welcome"`
	// Options are the flow's settings.
	Options Options `json:"options,omitzero"`
	// Inbox is the inbox or help desk the chatflow is connected to: it
	// receives the conversations the bot hands off, unless the handing
	// action names another. nil leaves it to the host.
	Inbox *action.Inbox `json:"inbox,omitempty"`
	// Actions are the bot's steps, in order.
	Actions []ActionDef `json:"actions"`
	// Channels are the channels the flow serves (ChannelChat,
	// ChannelMessenger …); empty means every channel. Starting it on
	// another fails with ErrChannelNotServed.
	Channels []string `json:"channels,omitempty"`
	// Schedules are named office hours that conditions and templates ask
	// about with open("name").
	Schedules map[string]availability.Schedule `json:"schedules,omitempty"`
	// Texts override built-in texts for this flow, by key, in the flow's
	// language (see package action/catalog and Config.Texts).
	Texts map[catalog.Key]string `json:"texts,omitempty"`
	// Targeting, Display and Consent are the flow's targeting rules, display
	// settings and consent policy, each read by its own package.
	Targeting json.RawMessage `json:"targeting,omitempty"`
	Display   json.RawMessage `json:"display,omitempty"`
	Consent   json.RawMessage `json:"consent,omitempty"`
}

// Welcome is the welcome message and the quick replies shown under it.
type Welcome struct {
	// Message is the welcome message's bubbles.
	Message action.Messages `json:"message"`
	// QuickReplies are shown under the welcome message; each may name the
	// action it starts with.
	QuickReplies []action.QuickReply `json:"quickReplies,omitempty"`
}

// Options are a flow's settings (SPEC §5).
type Options struct {
	// TypingDelay is shown between consecutive bot messages.
	TypingDelay Duration `json:"typingDelay,omitempty"`
	// SessionTimeout resets an unfinished session after the visitor has been
	// silent this long; default 30m.
	SessionTimeout Duration `json:"sessionTimeout,omitempty"`
	// GeneralErrorMessage is shown when an action fails without a failure
	// path; default the catalogue's general error in the flow's language
	// (DefaultGeneralErrorMessage in English).
	GeneralErrorMessage string `json:"generalErrorMessage,omitempty"`
	// MaxActionsPerTurn stops a turn that runs more actions; default 100,
	// at most MaxActionsPerTurnLimit.
	MaxActionsPerTurn int `json:"maxActionsPerTurn,omitempty"`
	// MaxAnswerLength is the longest visitor input accepted, in characters;
	// default 2000, at most MaxAnswerLengthLimit.
	MaxAnswerLength int `json:"maxAnswerLength,omitempty"`
	// PhoneRegion is the default region of phone numbers (ISO 3166-1
	// alpha-2); default the engine's.
	PhoneRegion string `json:"phoneRegion,omitempty"`
	// Survey is the customer-satisfaction survey asked when the bot part
	// ends; nil means none.
	Survey *Survey `json:"survey,omitempty"`
}

// ActionDef is one action as written in flow JSON.
type ActionDef struct {
	// Name is the action name: unique in the flow, used by branches.
	Name string `json:"name"`
	// Type is the action type's registry name, e.g. "ask_question".
	Type string `json:"type"`
	// Settings are the type's settings.
	Settings json.RawMessage `json:"settings,omitempty"`
	// Branches are tried in order after the action completes; the first
	// whose condition is true names the next action.
	Branches []Branch `json:"branches,omitempty"`
	// Next is the default next action; empty means the following action.
	Next string `json:"next,omitempty"`
	// End makes the conversation finish after this action when no branch
	// matches, instead of going on to the following action.
	End bool `json:"end,omitempty"`
	// OnFailure is the action that follows when this one fails.
	OnFailure string `json:"onFailure,omitempty"`
}

// Branch is an if/then branch: a CEL condition and the action it leads to.
type Branch struct {
	// If is a boolean CEL expression (see package condition).
	If string `json:"if"`
	// Then is the action name to go to.
	Then string `json:"then"`
}

// The defaults of Options.
const (
	DefaultSessionTimeout      = 30 * time.Minute
	DefaultMaxActionsPerTurn   = 100
	DefaultMaxAnswerLength     = 2000
	DefaultGeneralErrorMessage = "Sorry, something went wrong. Please try again later."
	DefaultLanguage            = "en"
)

// settingRef is an action name found in an action's settings.
type settingRef struct {
	path string // relative to the settings
	name string
}

// welcomeName is the name under which a welcome quick-reply choice is
// recorded in answers; no action may use it.
const welcomeName = "welcome"

// Flow is a loaded chatflow: decoded, validated and compiled. A Flow is
// immutable and safe for concurrent use.
type Flow struct {
	engine    *Engine // the engine whose stores the actions are bound to
	def       Definition
	nodes     []*node
	index     map[string]int
	warnings  []*condition.Error
	consent   consent.Effective
	targeting *targeting.Rules
	display   *targeting.Display
	// usesAvailable is false when no condition or template can read the
	// `available` variable, so turns need not ask the availability port.
	usesAvailable bool
	// dynamic is true when an action may name its next action at run time.
	dynamic bool
	// schedules are the compiled "schedules", by name.
	schedules map[string]*availability.OfficeHours
	// textHashes caches consent.Hash of the consent texts the flow's turns
	// record, text to hash: the same few texts are recorded again and
	// again. It holds at most maxTextHashes entries.
	textHashes     sync.Map
	textHashesSize atomic.Int32
}

// maxTextHashes bounds Flow.textHashes: texts an action builds per visitor
// must not grow it without end.
const maxTextHashes = 64

// textHash returns consent.Hash(text), computed once per text for the
// flow's usual texts.
func (f *Flow) textHash(text string) string {
	if h, ok := f.textHashes.Load(text); ok {
		return h.(string)
	}
	h := consent.Hash(text)
	if f.textHashesSize.Load() < maxTextHashes {
		if _, loaded := f.textHashes.LoadOrStore(text, h); !loaded {
			f.textHashesSize.Add(1)
		}
	}
	return h
}

// node is a compiled action.
type node struct {
	def       *ActionDef
	act       action.Action
	refs      []settingRef // actions named in the settings
	waits     bool         // the action waits for the visitor whenever it runs
	signals   []string     // host signals the waiting action takes
	branches  []*condition.Condition
	next      int // index of the default next action, or -1 to finish
	onFailure int // index of the failure action, or -1
	// routeHours are, per branch, the office hours of the action it leads
	// to when the branch reads `available` (nil: none); see hours.go.
	routeHours []*availability.OfficeHours
}

// ID returns the chatflow's ID.
func (f *Flow) ID() string { return f.def.ID }

// Version returns the flow's version.
func (f *Flow) Version() int { return f.def.Version }

// Name returns the display name.
func (f *Flow) Name() string { return f.def.Name }

// Language returns the flow's language.
func (f *Flow) Language() string { return f.def.Language }

// Options returns the flow's options with defaults filled in.
func (f *Flow) Options() Options { return f.def.Options }

// Warnings returns the problems that do not stop the flow from loading,
// such as disconnected actions.
func (f *Flow) Warnings() []*condition.Error {
	return append([]*condition.Error(nil), f.warnings...)
}

// ActionNames returns the action names in flow order.
func (f *Flow) ActionNames() []string {
	out := make([]string, len(f.nodes))
	for i, n := range f.nodes {
		out[i] = n.def.Name
	}
	return out
}

// Action returns the action of that name and its type name.
func (f *Flow) Action(name string) (action.Action, string, bool) {
	i, ok := f.index[name]
	if !ok {
		return nil, "", false
	}
	return f.nodes[i].act, f.nodes[i].def.Type, true
}

// FindActions is the editor's "go to action": the names of the actions
// whose name contains query, ignoring case, in flow order.
func (f *Flow) FindActions(query string) []string {
	q := strings.ToLower(query)
	var out []string
	for _, n := range f.nodes {
		if strings.Contains(strings.ToLower(n.def.Name), q) {
			out = append(out, n.def.Name)
		}
	}
	return out
}

// ReferencesTo returns the JSON paths that refer to the named action
// (branches, next, onFailure, quick replies), sorted.
func (f *Flow) ReferencesTo(name string) []string {
	var out []string
	for _, r := range f.references() {
		if r.name == name {
			out = append(out, r.path)
		}
	}
	sort.Strings(out)
	return out
}

// Targeting returns the flow's compiled targeting rules (nil: every page,
// every visitor, always). Hosts pass them to targeting.Select in their
// chatflows' priority order.
func (f *Flow) Targeting() *targeting.Rules { return f.targeting }

// Display returns the flow's display settings (nil when the flow has none).
// The value is shared: do not modify it.
func (f *Flow) Display() *targeting.Display { return f.display }

// Definition returns a copy of the flow's definition in canonical form.
func (f *Flow) Definition() Definition {
	d := f.def
	d.Actions = append([]ActionDef(nil), f.def.Actions...)
	return d
}

// MarshalJSON writes the flow in canonical form: loading the output gives
// an equal flow, and marshaling that gives the same bytes.
func (f *Flow) MarshalJSON() ([]byte, error) { return json.Marshal(f.def) }
