package builtin

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/internal/validate"
)

// AskQuestionType is the type name of AskQuestion in flow JSON.
const AskQuestionType = "ask_question"

// DefaultMaxAttempts is how many unacceptable answers Ask a question takes
// before it fails, when its settings do not say.
const DefaultMaxAttempts = 3

// AskQuestion asks, waits, validates the answer and optionally saves it to a
// contact property (SPEC §3.2).
//
//	{"type": "ask_question", "settings": {
//	  "message": ["What is your email address?"],
//	  "property": "email",
//	  "errorMessage": ["That does not look like an email address."],
//	  "maxAttempts": 3}}
//
// The answer is validated by the property's type (email, phone, URL, date,
// number, enumeration, bool); a string property accepts any text. When the
// property is an enumeration, its options come from the property definition,
// or else from the quick replies. With DisableFreeText only a quick reply
// (clicked, or typed as its value or label) is accepted. After MaxAttempts
// unacceptable answers the action fails, which follows its failure path or
// ends the bot part of the conversation with the general error message.
type AskQuestion struct {
	// Message is the question.
	Message action.Messages `json:"message"`
	// QuickReplies are options the visitor can click. Each may name the
	// action that follows when it is chosen.
	QuickReplies []action.QuickReply `json:"quickReplies,omitempty"`
	// DisableFreeText accepts quick replies only.
	DisableFreeText bool `json:"disableFreeText,omitempty"`
	// Property is the contact property the answer is saved to, if any.
	Property string `json:"property,omitempty"`
	// SkipIfKnown skips the question when the property already has a value.
	SkipIfKnown bool `json:"skipIfKnown,omitempty"`
	// ErrorMessage is shown when an answer is not acceptable; without it
	// the visitor sees a hint in the flow's language for the property's
	// type ("That doesn't look like an email address …"; see package
	// action/catalog).
	ErrorMessage action.Messages `json:"errorMessage,omitempty"`
	// MaxAttempts is how many unacceptable answers are allowed before the
	// action fails; 0 means DefaultMaxAttempts.
	MaxAttempts int `json:"maxAttempts,omitempty"`
	// Preset is a common question (see Presets): it fills Message and
	// Property, and so the validation, when they are not set.
	Preset string `json:"preset,omitempty"`

	def  condition.PropertyDef // the property's definition in the schema
	hint action.Messages       // said for a rejected answer without ErrorMessage
}

// typeHints are the catalogue's hints for the property types an answer is
// validated as.
var typeHints = map[condition.PropertyType]catalog.Key{
	condition.EmailProperty:       catalog.InvalidEmail,
	condition.PhoneProperty:       catalog.InvalidPhone,
	condition.URLProperty:         catalog.InvalidURL,
	condition.DateProperty:        catalog.InvalidDate,
	condition.NumberProperty:      catalog.InvalidNumber,
	condition.BoolProperty:        catalog.InvalidYesNo,
	condition.EnumerationProperty: catalog.InvalidChoice,
}

// hintKey returns the catalogue text said for a rejected answer when the
// settings give no error message: a hint for the property's type, "choose
// one of the options" when only quick replies are accepted, else "I didn't
// understand that".
func hintKey(def condition.PropertyDef, property string, quickRepliesOnly bool) catalog.Key {
	if k, ok := typeHints[def.Type]; ok && property != "" {
		return k
	}
	if quickRepliesOnly {
		return catalog.InvalidChoice
	}
	return catalog.AnswerNotUnderstood
}

// Provision checks the settings, declares the quick replies' next actions
// and looks the property's type up in the schema. A question waits for the
// visitor whenever it runs, unless it may be skipped.
func (a *AskQuestion) Provision(p action.Provision) error {
	if err := a.applyPreset(p); err != nil {
		return err
	}
	if len(a.Message) == 0 {
		return p.Errorf("message", "a question needs a message")
	}
	if a.DisableFreeText && len(a.QuickReplies) == 0 {
		return p.Errorf("disableFreeText", "free text is disabled but there are no quick replies")
	}
	if a.SkipIfKnown && a.Property == "" {
		return p.Errorf("skipIfKnown", "skipIfKnown needs a property")
	}
	if a.MaxAttempts < 0 {
		return p.Errorf("maxAttempts", "must not be negative, got %d", a.MaxAttempts)
	}
	seen := make(map[string]bool, len(a.QuickReplies))
	for i, q := range a.QuickReplies {
		path := "quickReplies[" + strconv.Itoa(i) + "]"
		if q.Value == "" {
			return p.Errorf(path+".value", "empty quick reply value")
		}
		k := strings.ToLower(q.Value)
		if seen[k] {
			return p.Errorf(path+".value", "duplicate quick reply value %q", q.Value)
		}
		seen[k] = true
		if q.Next != "" {
			p.Reference(path+".next", q.Next)
		}
	}
	if a.Property != "" {
		a.def = a.presetType(p.Property(action.ContactObject, a.Property))
	}
	a.hint = action.Messages{{Text: p.Text(hintKey(a.def, a.Property, a.DisableFreeText))}}
	if !a.SkipIfKnown {
		p.Waits()
	}
	return nil
}

// Run asks the question, or skips it when the property is already known.
func (a *AskQuestion) Run(_ context.Context, t action.Turn) (action.Result, error) {
	if a.SkipIfKnown {
		if v, ok := t.Property(action.ContactObject, a.Property); ok {
			t.SetAnswer(v)
			return action.Result{Status: action.Skip, Reason: "property " + a.Property + " is already known"}, nil
		}
	}
	t.SetState(nil)
	t.Say(a.Message)
	t.Prompt(a.QuickReplies, !a.DisableFreeText)
	return action.Result{Status: action.Wait}, nil
}

// Answer validates the visitor's answer.
func (a *AskQuestion) Answer(_ context.Context, t action.Turn, in action.Input) (action.Result, error) {
	value, next, reason := a.accept(t, in)
	if reason != "" {
		return a.reject(t, in, reason), nil
	}
	if a.Property != "" {
		if err := t.SetProperty(action.ContactObject, a.Property, value); err != nil {
			return action.Result{Status: action.Fail, Reason: err.Error()}, nil
		}
	}
	t.SetAnswer(value)
	t.Emit(action.Event{Type: EventAnswerAccepted, Value: value})
	return action.Result{Status: action.Done, Next: next}, nil
}

// accept returns the normalized value and the quick reply's next action, or
// why the answer is not acceptable.
func (a *AskQuestion) accept(t action.Turn, in action.Input) (value, next, reason string) {
	if q, ok := a.quickReply(in); ok {
		value, next = q.Value, q.Next
	} else if in.QuickReply != "" {
		return "", "", fmt.Sprintf("%q is not one of the quick replies", in.QuickReply)
	} else if a.DisableFreeText {
		return "", "", "free text is disabled; choose one of the quick replies"
	} else {
		value = strings.TrimSpace(in.Text)
	}
	if value == "" {
		return "", "", "empty answer"
	}
	if a.Property == "" {
		return value, next, ""
	}
	sess := t.Session()
	v, err := validateAnswer(a.def, value, a.QuickReplies, sess.Language, sess.PhoneRegion)
	if err != nil {
		return "", "", err.Error()
	}
	return v, next, ""
}

// quickReply finds the quick reply the visitor chose: clicked, or typed as
// its value or label.
func (a *AskQuestion) quickReply(in action.Input) (action.QuickReply, bool) {
	if in.QuickReply != "" {
		for _, q := range a.QuickReplies {
			if q.Value == in.QuickReply {
				return q, true
			}
		}
		return action.QuickReply{}, false
	}
	text := strings.TrimSpace(in.Text)
	for _, q := range a.QuickReplies {
		if strings.EqualFold(q.Value, text) || (q.Label != "" && strings.EqualFold(q.Label, text)) {
			return q, true
		}
	}
	return action.QuickReply{}, false
}

// reject counts the attempt; it re-asks, or fails once attempts run out.
func (a *AskQuestion) reject(t action.Turn, in action.Input, reason string) action.Result {
	t.Emit(action.Event{Type: EventAnswerRejected, Value: in.Value(), Reason: reason})
	attempts := 1
	if s := t.State(); len(s) > 0 {
		if n, err := strconv.Atoi(string(s)); err == nil {
			attempts = n + 1
		}
	}
	max := a.MaxAttempts
	if max == 0 {
		max = DefaultMaxAttempts
	}
	if attempts >= max {
		return action.Result{Status: action.Fail, Reason: fmt.Sprintf("no acceptable answer after %d attempts", attempts)}
	}
	t.SetState([]byte(strconv.Itoa(attempts)))
	if len(a.ErrorMessage) > 0 {
		t.Say(a.ErrorMessage)
	} else {
		t.Say(a.hint)
	}
	t.Prompt(a.QuickReplies, !a.DisableFreeText)
	return action.Result{Status: action.Wait}
}

// validateAnswer checks an answer against a property's type and returns
// the value to store.
func validateAnswer(def condition.PropertyDef, value string, qrs []action.QuickReply, lang, region string) (string, error) {
	switch def.Type {
	case condition.EmailProperty:
		return validate.Email(value)
	case condition.PhoneProperty:
		return validate.Phone(value, region)
	case condition.URLProperty:
		return validate.URL(value)
	case condition.DateProperty:
		return validate.Date(value, lang)
	case condition.NumberProperty:
		return validate.Number(value, lang)
	case condition.BoolProperty:
		return validate.Bool(value, lang)
	case condition.EnumerationProperty:
		var vo []validate.Option
		for _, o := range def.Options {
			vo = append(vo, validate.Option{Value: o.Value, Label: o.Label})
		}
		if len(vo) == 0 {
			for _, o := range qrs {
				vo = append(vo, validate.Option{Value: o.Value, Label: o.Label})
			}
		}
		return validate.Enumeration(value, vo)
	}
	return value, nil
}
