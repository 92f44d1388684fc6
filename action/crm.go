package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatflow/chatflow/store"
)

// The type names of the list and workflow actions in flow JSON.
const (
	AddToListType        = "add_to_list"
	EnrollInWorkflowType = "enroll_in_workflow"
)

// AddToList adds the visitor's contact to a static list (SPEC §3.6). It is
// skipped when the visitor is not a known contact.
//
//	{"type": "add_to_list", "settings": {"listId": "newsletter-leads"}}
type AddToList struct {
	// ListID is the static list's ID.
	ListID string `json:"listId"`
}

// Provision checks the settings.
func (a *AddToList) Provision(*Provision) error { return requireID("listId", a.ListID) }

// Ports returns the lists port.
func (a *AddToList) Ports() []Port { return []Port{PortLists} }

// Run adds the contact to the list.
func (a *AddToList) Run(ctx context.Context, t Turn) (Result, error) {
	return withContact(t, func(id string) error { return t.Ports().Lists.AddToList(ctx, a.ListID, id) }, "list "+a.ListID)
}

// EnrollInWorkflow enrolls the visitor's contact in a workflow (SPEC
// §3.11). It is skipped when the visitor is not a known contact.
//
//	{"type": "enroll_in_workflow", "settings": {"workflowId": "onboarding"}}
type EnrollInWorkflow struct {
	// WorkflowID is the workflow's ID.
	WorkflowID string `json:"workflowId"`
}

// Provision checks the settings.
func (a *EnrollInWorkflow) Provision(*Provision) error {
	return requireID("workflowId", a.WorkflowID)
}

// Ports returns the workflows port.
func (a *EnrollInWorkflow) Ports() []Port { return []Port{PortWorkflows} }

// Run enrolls the contact.
func (a *EnrollInWorkflow) Run(ctx context.Context, t Turn) (Result, error) {
	return withContact(t, func(id string) error { return t.Ports().Workflows.Enroll(ctx, a.WorkflowID, id) }, "workflow "+a.WorkflowID)
}

// ReasonNoContact is the skip reason of actions that need a contact record.
const ReasonNoContact = "the visitor is not a known contact"

// withContact runs fn with the visitor's contact ID, skipping when there is
// none and failing with a clear reason when the port fails.
func withContact(t Turn, fn func(contactID string) error, what string) (Result, error) {
	id := t.ContactID()
	if id == "" {
		return Result{Status: Skip, Reason: ReasonNoContact}, nil
	}
	if err := fn(id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Result{Status: Fail, Reason: fmt.Sprintf("unknown %s", what)}, nil
		}
		return Result{Status: Fail, Reason: fmt.Sprintf("%s: %v", what, err)}, nil
	}
	return Result{Status: Done}, nil
}

func requireID(path, v string) error {
	if v == "" {
		return &SettingError{Path: path, Err: errors.New("missing")}
	}
	return nil
}
