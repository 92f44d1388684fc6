package builtin

import (
	"slices"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
)

// Preset is one of the common questions of Ask a question (seed 000: "select
// a common question or create a custom one"): one setting that fills the
// question, the contact property the answer is saved to, and so its
// validation.
type Preset struct {
	// Name is the preset's name in flow JSON ("preset": "email").
	Name string
	// Property is the contact property the answer is saved to.
	Property string
	// Type validates the answer when the engine's schema does not type the
	// property (a host schema may type it itself).
	Type condition.PropertyType
	// Question is the question in English; a flow's "texts" or the
	// host's catalogue can word it under the key "question_" + Name.
	Question string
}

// Presets are the common questions, in the order an editor lists them.
var Presets = []Preset{
	{"first_name", "firstname", condition.StringProperty, "What's your first name?"},
	{"last_name", "lastname", condition.StringProperty, "What's your last name?"},
	{"email", "email", condition.EmailProperty, "What's your email address?"},
	{"phone", "phone", condition.PhoneProperty, "What's your phone number?"},
	{"mobile_phone", "mobilephone", condition.PhoneProperty, "What's your mobile phone number?"},
	{"company", "company", condition.StringProperty, "What's the name of your company?"},
	{"website", "website", condition.URLProperty, "What's your company's website?"},
	{"job_title", "jobtitle", condition.StringProperty, "What's your job title?"},
}

// preset returns the named preset.
func preset(name string) (Preset, bool) {
	i := slices.IndexFunc(Presets, func(p Preset) bool { return p.Name == name })
	if i < 0 {
		return Preset{}, false
	}
	return Presets[i], true
}

// applyPreset fills the message and property a preset gives and the
// settings leave empty; settings that are set win. The preset's question is
// said as written (it is no template).
func (a *AskQuestion) applyPreset(p action.Provision) error {
	if a.Preset == "" {
		return nil
	}
	ps, ok := preset(a.Preset)
	if !ok {
		names := make([]string, len(Presets))
		for i, x := range Presets {
			names[i] = x.Name
		}
		return p.Errorf("preset", "unknown preset %q (want one of %s)", a.Preset, strings.Join(names, ", "))
	}
	if len(a.Message) == 0 {
		q := p.Text(catalog.Key("question_" + ps.Name))
		if q == "" {
			q = ps.Question
		}
		a.Message = action.Messages{{Text: q}}
	}
	if a.Property == "" {
		a.Property = ps.Property
	}
	return nil
}

// presetType is the validation a preset gives a property the schema
// leaves untyped.
func (a *AskQuestion) presetType(def condition.PropertyDef) condition.PropertyDef {
	if ps, ok := preset(a.Preset); ok && a.Property == ps.Property && def.Type == condition.StringProperty {
		def.Type = ps.Type
	}
	return def
}
