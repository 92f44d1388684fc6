package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/store"
)

// StatusAbandoned: the visitor answered at least once, then was silent past
// the session timeout without finishing, and Engine.Sweep ended the
// session. It is not Over: like a session that timed out, the visitor's
// next message starts a new session with the welcome message.
const StatusAbandoned Status = "abandoned"

// DefaultSweepLimit is how many idle conversations one Sweep looks at when
// SweepRequest.Limit is 0.
const DefaultSweepLimit = 100

// lifecycle is the engine's state beyond running turns: the session store's
// idle index and the switched-off chatflows.
type lifecycle struct {
	// idle is the session store as a store.IdleSessions, nil when it is
	// not one.
	idle store.IdleSessions
	// disabled holds the IDs of the switched-off chatflows; the map is
	// replaced, never changed, so turns read it without locking.
	disabled atomic.Pointer[map[string]bool]
	mu       sync.Mutex // serializes Disable and Enable
}

func (l *lifecycle) init(st store.Stores) {
	l.idle, _ = st.Sessions.(store.IdleSessions)
}

// putSession stores a session's data with its idle time when the store
// keeps one.
func (e *Engine) putSession(ctx context.Context, s *Session, data []byte, expected int64) (int64, error) {
	if e.life.idle == nil {
		return e.sessions.Save(ctx, s.ConversationID, data, expected)
	}
	return e.life.idle.SaveIdle(ctx, s.ConversationID, data, expected, e.idleAt(s))
}

// idleAt is from when a session counts as idle: the visitor's last message
// plus its flow's session timeout, for a session waiting for the visitor;
// never (the zero time) for any other.
func (e *Engine) idleAt(s *Session) time.Time {
	if s.Status != StatusActive {
		return time.Time{}
	}
	timeout := DefaultSessionTimeout
	set := e.flows.Load()
	if f := set.versions[flowKey{s.FlowID, s.FlowVersion}]; f != nil {
		timeout = time.Duration(f.def.Options.SessionTimeout)
	} else if f := set.latest[s.FlowID]; f != nil {
		timeout = time.Duration(f.def.Options.SessionTimeout)
	}
	return s.LastInteractionAt.Add(timeout)
}

// SweepRequest says when and how much Engine.Sweep sweeps. The zero value
// sweeps up to DefaultSweepLimit conversations at the engine's clock.
type SweepRequest struct {
	// Now is the time to sweep at; zero means the engine's clock.
	Now time.Time
	// Limit is the most idle conversations one call looks at; 0 means
	// DefaultSweepLimit.
	Limit int
}

// SweepResult is what Engine.Sweep did.
type SweepResult struct {
	// Replies has one reply for each conversation the sweep ended: its
	// events (feed them to the analytics like a turn's) and status.
	Replies []*Reply
	// More reports that the sweep looked at Limit conversations, so more
	// may be idle: call Sweep again.
	More bool
}

// Sweep ends the sessions that the visitor left unfinished: every session
// waiting for the visitor (StatusActive, so the visitor wrote at least
// once) whose last message is older than its flow's session timeout becomes
// StatusAbandoned, with an EventConversationAbandoned naming the action
// that waited (the drop-off). A session of a switched-off chatflow is
// closed instead (StatusEnded, EventConversationClosed). The bot says
// nothing; each reply has OutcomeAbandoned or OutcomeFlowDisabled.
//
// A host calls Sweep now and then (every minute, say) from one process or
// several: each conversation is handled under its lock and checked again
// there, so concurrent sweeps and turns end a session once. It needs a
// session store that implements store.IdleSessions; with another, Sweep
// fails with an error matching ErrInvalidConfig. Sessions saved before the
// store kept idle times (an older schema) are found once they are saved
// again. A conversation of a chatflow this engine has not published is left
// for an engine that has: sweep from processes that publish every
// chatflow.
//
// On an error the sweep stops; the replies of the conversations already
// ended are returned with it, and the rest are found by the next sweep.
func (e *Engine) Sweep(ctx context.Context, req SweepRequest) (*SweepResult, error) {
	idle := e.life.idle
	if idle == nil {
		return nil, fmt.Errorf("%w: Stores.Sessions cannot find idle sessions (it does not implement store.IdleSessions)", ErrInvalidConfig)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = DefaultSweepLimit
	}
	now := e.now(req.Now)
	ids, err := idle.Idle(ctx, now, limit)
	if err != nil {
		return nil, fmt.Errorf("engine: finding idle sessions: %w", err)
	}
	res := &SweepResult{More: len(ids) >= limit}
	for _, id := range ids {
		r, err := e.sweepOne(ctx, id, now)
		if err != nil {
			return res, err
		}
		if r != nil {
			res.Replies = append(res.Replies, r)
		}
	}
	return res, nil
}

// sweepOne ends one idle conversation under its lock, and returns its
// reply; nil when it turned out not to be idle.
func (e *Engine) sweepOne(ctx context.Context, id string, now time.Time) (*Reply, error) {
	lock, err := e.lockConversation(ctx, id)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	rec, s, err := e.load(ctx, id)
	if errors.Is(err, ErrUnknownConversation) {
		// Expired or erased behind the index's back: put the index right.
		if err := e.sessions.Delete(ctx, id); err != nil {
			return nil, fmt.Errorf("engine: deleting session %s: %w", id, err)
		}
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if _, err := e.flush(ctx, s); err != nil {
		return nil, err
	}
	if _, err := e.flowOf(s); err != nil {
		return nil, nil // no version of its flow is published: leave it
	}
	due := e.idleAt(s)
	if due.IsZero() || !due.Before(now) {
		// Not idle (the visitor wrote, or it finished): the index lagged.
		// Saving the session again puts it right.
		_, err := e.saveSession(ctx, s, rec.Version)
		return nil, err
	}
	if e.disabledFlow(s.FlowID) {
		return e.end(ctx, s, rec.Version, now, OutcomeFlowDisabled, (*turn).close)
	}
	return e.end(ctx, s, rec.Version, now, OutcomeAbandoned, (*turn).abandon)
}

// flowOf returns the flow version a session runs, else the latest version
// of its chatflow.
func (e *Engine) flowOf(s *Session) (*Flow, error) {
	f, err := e.Flow(s.FlowID, s.FlowVersion)
	if err != nil {
		return e.Flow(s.FlowID, 0)
	}
	return f, nil
}

// end ends a session's bot part without a visitor message (a sweep, a
// switched-off chatflow) with how, and returns the reply with outcome.
func (e *Engine) end(ctx context.Context, s *Session, version int64, now time.Time, outcome Outcome, how func(*turn)) (*Reply, error) {
	f, err := e.flowOf(s)
	if err != nil {
		return nil, err
	}
	t := newTurn(ctx, e, f, s, now, "")
	t.notMessage = true
	how(t)
	r, err := e.commit(ctx, t, version)
	if err != nil {
		return nil, err
	}
	r.Outcome = outcome
	return r, nil
}

// abandon ends a session the visitor left waiting, with the event that
// names where they dropped off.
func (t *turn) abandon() {
	s := t.sess
	ev := action.Event{Type: EventConversationAbandoned, Time: t.now, Action: s.Position,
		FlowID: s.FlowID, FlowVersion: s.FlowVersion, Reason: "session timeout"}
	if i, ok := t.flow.index[s.Position]; ok && t.flow.def.ID == s.FlowID && t.flow.def.Version == s.FlowVersion {
		ev.ActionType = t.flow.nodes[i].def.Type
	}
	t.reply.Events = append(t.reply.Events, ev)
	s.Status, s.Position, s.ActionState = StatusAbandoned, "", nil
}

// abandonTimedOut reports, when a visitor writes to a session that timed
// out while an action waited for them, that the session was abandoned
// (unless a sweep said so already). Handle calls it before the session
// restarts.
func (t *turn) abandonTimedOut() {
	if t.sess.Status == StatusActive {
		t.abandon()
	}
}

// engage reports the first message of a session, before it is handled.
func (t *turn) engage() {
	if t.sess.Status == StatusWelcome {
		t.emitFor(EventConversationEngaged, nil, "")
	}
}

// stampEvents gives every event of the reply that has none the turn's flow
// version, so a host can aggregate events on their own.
func (t *turn) stampEvents(r *Reply) {
	for i := range r.Events {
		if ev := &r.Events[i]; ev.FlowID == "" {
			ev.FlowID, ev.FlowVersion = t.flow.def.ID, t.flow.def.Version
		}
	}
}
