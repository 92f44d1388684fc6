package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/store"
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
				s.Answers = make(map[string]string, 4)
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
			err = fmt.Errorf("action panicked: %v", p)
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
	if err != nil {
		res = action.Result{Status: action.Fail, Reason: err.Error(), Err: err}
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
		ok, err := c.Eval(t.ctx, t.Vars())
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

// save writes the turn's property changes, then the session. Property
// writes come first and are idempotent, so a failure at any point leaves a
// session the host can retry the same message against.
func (e *Engine) save(ctx context.Context, t *turn, version int64) error {
	if err := e.writeProperties(ctx, t); err != nil {
		return err
	}
	if err := e.saveConsent(ctx, t); err != nil {
		return err
	}
	data := encodeSession(make([]byte, 0, 512), t.sess)
	if _, err := e.sessions.Save(ctx, t.sess.ConversationID, data, version); err != nil {
		return fmt.Errorf("engine: saving session %s: %w", t.sess.ConversationID, err)
	}
	return nil
}

func (e *Engine) writeProperties(ctx context.Context, t *turn) error {
	s := t.sess
	if len(t.companyWrites) > 0 {
		c := t.loadCompany()
		if c == nil {
			return errors.Join(t.fatal, errNoCompany)
		}
		if err := e.companies.UpdateCompany(ctx, c.ID, t.companyWrites); err != nil {
			return fmt.Errorf("engine: writing company %s: %w", c.ID, err)
		}
	}
	if len(t.writes) == 0 && (s.ContactID == "" || len(s.Pending) == 0) {
		return nil
	}
	props := s.Pending.Clone()
	if props == nil {
		props = make(store.Properties, len(t.writes))
	}
	for k, v := range t.writes {
		props[k] = v
	}
	if s.ContactID != "" {
		if err := e.contacts.UpdateContact(ctx, s.ContactID, props); err != nil {
			return fmt.Errorf("engine: writing contact %s: %w", s.ContactID, err)
		}
		s.Pending = nil
		return nil
	}
	// An unknown visitor: keep the values until they give an email address.
	s.Pending = props
	return nil
}
