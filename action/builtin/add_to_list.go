package builtin

import (
	"context"

	"github.com/chatflow/chatflow/action"
)

// AddToListType is the type name of AddToList in flow JSON.
const AddToListType = "add_to_list"

// AddToList adds the visitor's contact to a static list (SPEC §3.6) through
// Stores.Lists. It is skipped when the visitor is not a known contact.
//
//	{"type": "add_to_list", "settings": {"listId": "newsletter-leads"}}
type AddToList struct {
	// ListID is the static list's ID.
	ListID string `json:"listId"`

	svc *services
}

// Provision checks the settings.
func (a *AddToList) Provision(p action.Provision) error {
	if err := require(p, a.svc.stores.Lists != nil, "a lists store (Stores.Lists)"); err != nil {
		return err
	}
	return requireID(p, "listId", a.ListID)
}

// Run adds the contact to the list.
func (a *AddToList) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	return withContact(t, func(id string) error { return a.svc.stores.Lists.AddToList(ctx, a.ListID, id) }, "list "+a.ListID)
}
