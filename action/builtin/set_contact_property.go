package builtin

import (
	"context"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
)

// SetContactPropertyType is the type name of SetContactProperty in flow JSON.
const SetContactPropertyType = "set_contact_property"

// SetContactProperty sets a contact property (SPEC §3.4). Value is a
// template, so it can copy earlier answers:
//
//	{"type": "set_contact_property", "settings": {"property": "lifecyclestage", "value": "lead"}}
//
// Values set before the visitor is a known contact are kept with the
// session and written when the visitor gives an email address.
type SetContactProperty struct {
	// Property is the property's internal name.
	Property string `json:"property"`
	// Value is the value to set, a template.
	Value string `json:"value"`

	tmpl *condition.Template
}

// Provision compiles the value template.
func (a *SetContactProperty) Provision(p action.Provision) error {
	t, err := provisionProperty(p, a.Property, a.Value)
	a.tmpl = t
	return err
}

// Run sets the property.
func (a *SetContactProperty) Run(_ context.Context, t action.Turn) (action.Result, error) {
	return setProperty(t, action.ContactObject, a.Property, a.tmpl), nil
}

// provisionProperty checks the property name and compiles the value.
func provisionProperty(p action.Provision, property, value string) (*condition.Template, error) {
	if property == "" {
		return nil, p.Errorf("property", "missing property name")
	}
	return p.Template("value", value)
}

// setProperty renders the value and sets it.
func setProperty(t action.Turn, obj action.Object, property string, tmpl *condition.Template) action.Result {
	if err := t.SetProperty(obj, property, t.Render(tmpl)); err != nil {
		return action.Result{Status: action.Fail, Reason: err.Error()}
	}
	return action.Result{Status: action.Done}
}
