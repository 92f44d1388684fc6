package engine

import (
	"context"
	"maps"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/targeting"
)

// ReasonFlowDisabled is the Reason of the EventConversationClosed of a
// conversation whose chatflow was switched off.
const ReasonFlowDisabled = "flow_disabled"

// Disable switches a published chatflow off, every version of it (HubSpot's
// "turn off"; seed 001): Start no longer starts it (OutcomeFlowDisabled,
// no session), Engine.Candidates marks it Disabled so targeting.Select
// never chooses it, and a conversation already running on it ends
// gracefully at the visitor's next message: the bot says nothing, the
// session ends with StatusEnded and an EventConversationClosed, and the
// reply's Outcome is OutcomeFlowDisabled, so the host routes the message to
// its inbox. Engine.Sweep closes its idle conversations the same way.
// Consent decisions are still recorded for its conversations.
//
// Like Publish, Disable changes this engine only: a host that runs several
// processes keeps the switch in its own catalogue of chatflows and calls
// Disable (or Enable) in each. Disabling twice is harmless; an ID that was
// never published is an error matching ErrUnknownFlow. Safe for concurrent
// use with everything else.
func (e *Engine) Disable(flowID string) error { return e.setDisabled(flowID, true) }

// Enable switches a chatflow Disable switched off on again: new
// conversations start on its latest version. Conversations closed while it
// was off stay closed. Enabling an enabled chatflow is harmless; an ID that
// was never published is an error matching ErrUnknownFlow.
func (e *Engine) Enable(flowID string) error { return e.setDisabled(flowID, false) }

func (e *Engine) setDisabled(id string, off bool) error {
	if _, err := e.Flow(id, 0); err != nil {
		return err
	}
	e.life.mu.Lock()
	defer e.life.mu.Unlock()
	var next map[string]bool
	if cur := e.life.disabled.Load(); cur != nil {
		if (*cur)[id] == off {
			return nil
		}
		next = maps.Clone(*cur)
	} else if !off {
		return nil
	} else {
		next = map[string]bool{}
	}
	if off {
		next[id] = true
	} else {
		delete(next, id)
	}
	e.life.disabled.Store(&next)
	return nil
}

// disabledFlow reports whether the chatflow is switched off.
func (e *Engine) disabledFlow(id string) bool {
	m := e.life.disabled.Load()
	return m != nil && (*m)[id]
}

// Enabled reports whether a chatflow is published and not switched off.
func (e *Engine) Enabled(flowID string) bool {
	_, err := e.Flow(flowID, 0)
	return err == nil && !e.disabledFlow(flowID)
}

// Candidates returns the targeting candidates of the given published
// chatflows, in the order given (the host's priority order): each with its
// latest version's rules, and Disabled set for a chatflow that is switched
// off, which targeting.Select never chooses. IDs that are not published are
// left out.
func (e *Engine) Candidates(flowIDs ...string) []targeting.Candidate {
	out := make([]targeting.Candidate, 0, len(flowIDs))
	for _, id := range flowIDs {
		f, err := e.Flow(id, 0)
		if err != nil {
			continue
		}
		out = append(out, targeting.Candidate{ID: id, Rules: f.Targeting(), Disabled: e.disabledFlow(id)})
	}
	return out
}

// closeDisabled answers a message for a conversation whose chatflow is
// switched off: a session still running ends, with its event; one that is
// over stays as it is (OutcomeConversationOver, as ever).
func (e *Engine) closeDisabled(ctx context.Context, s *Session, version int64, now time.Time) (*Reply, error) {
	if s.Status.Over() {
		return &Reply{ConversationID: s.ConversationID, Status: s.Status, Outcome: OutcomeConversationOver}, nil
	}
	return e.end(ctx, s, version, now, OutcomeFlowDisabled, (*turn).close)
}

// close ends the bot part because the chatflow was switched off.
func (t *turn) close() {
	s := t.sess
	t.reply.Events = append(t.reply.Events, action.Event{Type: EventConversationClosed, Time: t.now, Action: s.Position,
		Reason: ReasonFlowDisabled, FlowID: s.FlowID, FlowVersion: s.FlowVersion})
	s.Status, s.Position, s.ActionState = StatusEnded, "", nil
}

// startDisabled is Start's answer for a chatflow that is switched off.
func startDisabled(id string) *Reply {
	return &Reply{ConversationID: id, Outcome: OutcomeFlowDisabled}
}
