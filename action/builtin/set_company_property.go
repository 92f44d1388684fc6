package builtin

import (
	"context"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
)

// SetCompanyPropertyType is the type name of SetCompanyProperty in flow JSON.
const SetCompanyPropertyType = "set_company_property"

// SetCompanyProperty sets a property of the contact's associated company
// (SPEC §3.5). Value is a template:
//
//	{"type": "set_company_property", "settings": {"property": "numberofemployees", "value": "{{ answers.ask_size }}"}}
//
// It is skipped when the contact has no associated company, and needs the
// engine's companies store (Stores.Companies).
type SetCompanyProperty struct {
	// Property is the property's internal name.
	Property string `json:"property"`
	// Value is the value to set, a template.
	Value string `json:"value"`

	svc  *services
	tmpl *condition.Template
}

// Provision compiles the value template.
func (a *SetCompanyProperty) Provision(p action.Provision) error {
	if err := require(p, a.svc.stores.Companies != nil, "a companies store (Stores.Companies)"); err != nil {
		return err
	}
	t, err := provisionProperty(p, a.Property, a.Value)
	a.tmpl = t
	return err
}

// Run sets the property, or skips when there is no company.
func (a *SetCompanyProperty) Run(_ context.Context, t action.Turn) (action.Result, error) {
	if !t.HasCompany() {
		return action.Result{Status: action.Skip, Reason: "the contact has no associated company"}, nil
	}
	return setProperty(t, action.CompanyObject, a.Property, a.tmpl), nil
}
