package action

import (
	"context"
	"errors"

	"github.com/chatflow/chatflow/condition"
)

// The type names of the two property-setting actions in flow JSON.
const (
	SetContactPropertyType = "set_contact_property"
	SetCompanyPropertyType = "set_company_property"
)

// SetProperty sets a contact property (SPEC §3.4) or a property of the
// contact's associated company (SPEC §3.5). Value is a template, so it can
// copy earlier answers:
//
//	{"type": "set_contact_property", "settings": {"property": "lifecyclestage", "value": "lead"}}
//	{"type": "set_company_property", "settings": {"property": "numberofemployees", "value": "{{ answers.ask_size }}"}}
//
// Contact values set before the visitor is a known contact are kept with the
// session and written when the visitor gives an email address. The company
// variant is skipped when the contact has no associated company.
type SetProperty struct {
	// Property is the property's internal name.
	Property string `json:"property"`
	// Value is the value to set, a template.
	Value string `json:"value"`

	object Object
	tmpl   *condition.Template
}

// Provision compiles the value template.
func (a *SetProperty) Provision(p *Provision) error {
	if a.Property == "" {
		return &SettingError{Path: "property", Err: errors.New("missing property name")}
	}
	t, err := p.Template("value", a.Value)
	if err != nil {
		return err
	}
	a.tmpl = t
	return nil
}

// Ports returns the companies port for the company variant.
func (a *SetProperty) Ports() []Port {
	if a.object == CompanyObject {
		return []Port{PortCompanies}
	}
	return nil
}

// Run sets the property.
func (a *SetProperty) Run(_ context.Context, t Turn) (Result, error) {
	if a.object == CompanyObject && !t.HasCompany() {
		return Result{Status: Skip, Reason: "the contact has no associated company"}, nil
	}
	v := t.Render(a.tmpl)
	if err := t.SetProperty(a.object, a.Property, v); err != nil {
		return Result{Status: Fail, Reason: err.Error()}, nil
	}
	return Result{Status: Done}, nil
}
