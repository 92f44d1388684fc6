package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/chatflow/chatflow/action"
)

// handle routes the visitor's input: the first input starts the actions,
// later ones answer the waiting action.
func (t *turn) handle(in action.Input) {
	s := t.sess
	switch s.Status {
	case StatusWelcome:
		start := 0
		if q, ok := matchQuickReply(t.flow.def.Welcome.QuickReplies, in); ok {
			if s.Answers == nil {
				s.Answers = s.newMap(answersMap)
			}
			s.Answers[welcomeName] = q.Value
			if q.Next != "" {
				start = t.flow.index[q.Next]
			}
		}
		t.runFrom(start)
	case StatusActive:
		i, ok := t.flow.index[s.Position]
		if !ok {
			t.fail(fmt.Errorf("engine: session %s waits at %q, which flow %s version %d lacks", s.ConversationID, s.Position, s.FlowID, s.FlowVersion))
			return
		}
		n := t.flow.nodes[i]
		ans, ok := n.act.(action.Answerer)
		if !ok {
			t.fail(fmt.Errorf("engine: action %q of type %q waited but cannot take an answer", n.def.Name, n.def.Type))
			return
		}
		t.cur, t.state = n, s.ActionState
		res, err := t.call(func(ctx context.Context) (action.Result, error) { return ans.Answer(ctx, t, in) })
		if next, goOn := t.outcome(n, res, err); goOn {
			t.runFrom(next)
		}
	}
}

// matchQuickReply finds the quick reply an input chose: clicked, or typed
// as its value or label.
func matchQuickReply(qrs []action.QuickReply, in action.Input) (action.QuickReply, bool) {
	for _, q := range qrs {
		if in.QuickReply != "" {
			if q.Value == in.QuickReply {
				return q, true
			}
			continue
		}
		text := strings.TrimSpace(in.Text)
		if strings.EqualFold(q.Value, text) || (q.Label != "" && strings.EqualFold(q.Label, text)) {
			return q, true
		}
	}
	return action.QuickReply{}, false
}

// runFrom runs actions from index i until one waits or the path ends.
func (t *turn) runFrom(i int) {
	for i >= 0 {
		if t.fatal != nil {
			return
		}
		if t.count >= t.flow.def.Options.MaxActionsPerTurn {
			t.emitFor(EventTurnLimit, t.flow.nodes[i], fmt.Sprintf("more than %d actions in one turn", t.flow.def.Options.MaxActionsPerTurn))
			t.generalError()
			return
		}
		t.count++
		n := t.flow.nodes[i]
		t.cur, t.state = n, nil
		t.emitFor(EventActionReached, n, "")
		res, err := t.call(func(ctx context.Context) (action.Result, error) { return n.act.Run(ctx, t) })
		next, goOn := t.outcome(n, res, err)
		if !goOn {
			return
		}
		i = next
	}
	t.sess.Status = StatusFinished
	t.sess.Position, t.sess.ActionState = "", nil
	t.cur = nil
	t.emitFor(EventConversationFinished, nil, "")
}

// call runs an action method, turning a panic into an error so that a
// faulty action cannot take the host down.
func (t *turn) call(fn func(context.Context) (action.Result, error)) (res action.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			// A bug in the action, which a retry would meet again: the
			// action fails, and the conversation follows its failure path.
			res = action.Result{Status: action.Fail, Reason: fmt.Sprintf("action panicked: %v", p), Err: fmt.Errorf("%w: %v", ErrActionPanicked, p)}
			err = nil
		}
	}()
	return fn(t.ctx)
}

// outcome applies an action's result and returns the next action's index
// (-1 to finish) and whether to go on running.
func (t *turn) outcome(n *node, res action.Result, err error) (int, bool) {
	if t.fatal != nil {
		return -1, false
	}
	if cerr := t.ctx.Err(); cerr != nil {
		// The host cancelled the call or its deadline passed: that is the
		// host's failure, not the action's, and nothing of the turn may be
		// kept (a webhook cut short must not end the conversation).
		t.fail(fmt.Errorf("engine: conversation %s: %w", t.sess.ConversationID, cerr))
		return -1, false
	}
	if err != nil {
		// The host's systems failed (a store, a network): the turn is
		// abandoned with nothing saved, and the host retries the message.
		// The conversation's own failures are Fail results.
		t.fail(fmt.Errorf("engine: action %q: %w", n.def.Name, err))
		return -1, false
	}
	s := t.sess
	switch res.Status {
	case action.Wait:
		s.Status, s.Position, s.ActionState = StatusActive, n.def.Name, t.state
		return -1, false
	case action.End:
		t.emitFor(EventActionCompleted, n, "")
		s.Status, s.Position, s.ActionState = StatusHandedOff, "", nil
		t.reply.Handoff = res.Handoff
		t.reply.Events = append(t.reply.Events, action.Event{Type: EventHandedOff, Time: t.now, Action: n.def.Name, ActionType: n.def.Type, Reason: res.Reason})
		return -1, false
	case action.Fail:
		return t.failed(n, res.Reason, res.Err)
	case action.Skip:
		t.emitFor(EventActionSkipped, n, res.Reason)
	default:
		t.emitFor(EventActionCompleted, n, "")
	}
	s.ActionState = nil
	if res.Next != "" {
		i, ok := t.flow.index[res.Next]
		if !ok {
			return t.failed(n, fmt.Sprintf("next action %q does not exist", res.Next), nil)
		}
		return i, true
	}
	return t.branch(n), true
}

// failed follows the action's failure path, or shows the general error
// message and ends the bot part of the conversation. cause, if not nil,
// becomes the event's Err.
func (t *turn) failed(n *node, reason string, cause error) (int, bool) {
	t.emitFor(EventActionFailed, n, reason)
	t.reply.Events[len(t.reply.Events)-1].Err = cause
	t.sess.ActionState = nil
	if n.onFailure >= 0 {
		return n.onFailure, true
	}
	t.generalError()
	return -1, false
}

func (t *turn) generalError() {
	t.cur = nil
	t.emitFor(EventGeneralError, nil, "")
	t.sayText(t.flow.def.Options.GeneralErrorMessage)
	t.reply.QuickReplies = nil
	s := t.sess
	s.Status, s.Position, s.ActionState = StatusEnded, "", nil
}

// branch tries the action's branches in order; with none true it returns
// the default next. A branch whose condition fails to evaluate (a missing
// property, say) counts as false and is reported as an event.
func (t *turn) branch(n *node) int {
	for j, c := range n.branches {
		ok, err := c.Eval(t.ctx, t.branchVars(n, j))
		if err != nil {
			t.reply.Events = append(t.reply.Events, action.Event{Type: EventConditionError, Time: t.now, Action: n.def.Name, ActionType: n.def.Type,
				Reason: fmt.Sprintf("branches[%d]: %v", j, err)})
			continue
		}
		if ok {
			then := n.def.Branches[j].Then
			t.reply.Events = append(t.reply.Events, action.Event{Type: EventBranchTaken, Time: t.now, Action: n.def.Name, ActionType: n.def.Type, Next: then})
			return t.flow.index[then]
		}
	}
	return n.next
}
