package builtin

import (
	"context"

	"github.com/chatflow/chatflow/action"
)

// EnrollInWorkflowType is the type name of EnrollInWorkflow in flow JSON.
const EnrollInWorkflowType = "enroll_in_workflow"

// EnrollInWorkflow enrolls the visitor's contact in a workflow (SPEC
// §3.11) through Stores.Workflows. It is skipped when the visitor is not a
// known contact.
//
//	{"type": "enroll_in_workflow", "settings": {"workflowId": "onboarding"}}
type EnrollInWorkflow struct {
	// WorkflowID is the workflow's ID.
	WorkflowID string `json:"workflowId"`

	svc *services
}

// Provision checks the settings.
func (a *EnrollInWorkflow) Provision(p action.Provision) error {
	if err := require(p, a.svc.stores.Workflows != nil, "a workflows store (Stores.Workflows)"); err != nil {
		return err
	}
	return requireID(p, "workflowId", a.WorkflowID)
}

// Run enrolls the contact.
func (a *EnrollInWorkflow) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	return withContact(t, func(id string) error { return a.svc.stores.Workflows.Enroll(ctx, a.WorkflowID, id) }, "workflow "+a.WorkflowID)
}
