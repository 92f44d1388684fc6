package builtin

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
)

// CodeSnippetType is the type name of CodeSnippet in flow JSON.
const CodeSnippetType = "code_snippet"

// DefaultSnippetTimeout is how long a snippet may run when its settings do
// not say: HubSpot's limit for code snippets.
const DefaultSnippetTimeout = 20 * time.Second

// MaxSnippetTimeout is the longest timeout a snippet's settings may set.
const MaxSnippetTimeout = 60 * time.Second

// ErrSnippetNotFound reports a snippet name the host did not register in
// Ports.Snippets.
var ErrSnippetNotFound = errors.New("builtin: snippet not registered")

// ErrSnippetPanic reports a snippet that panicked.
var ErrSnippetPanic = errors.New("builtin: snippet panicked")

// ErrSnippetBusy reports a snippet call refused because too many snippet
// runs of the engine are still going on past their deadline (see
// Ports.MaxAbandonedSnippets).
var ErrSnippetBusy = errors.New("builtin: too many snippets still running past their deadline")

// DefaultMaxAbandonedSnippets is the default of Ports.MaxAbandonedSnippets.
const DefaultMaxAbandonedSnippets = 64

// CodeSnippet runs a host-registered Go function at a step of the
// conversation (SPEC §3.13): HubSpot runs Node.js snippets, this library
// runs the Snippet registered under the settings' name in Ports.Snippets,
// with the same contract as a webhook that waits for feedback (SPEC §13).
//
//	{"type": "code_snippet", "settings": {
//	  "snippet": "order_status",
//	  "description": "Look up the visitor's last order.",
//	  "timeout": "5s",
//	  "errorMessage": ["Sorry, I can't find your order right now."]}}
//
// The snippet receives the hook.Request and returns a hook.Response, applied
// as for Webhook: botMessage, quickReplies, nextModuleNickname,
// responseExpected (wait, then run the snippet again with the visitor's
// reply) and customState.
//
// A snippet fails the action — saying ErrorMessage, if set, then following
// the failure path or else the general error message — when it returns an
// error (Result.Err wraps it), panics (ErrSnippetPanic; the panic is
// recovered), runs past its timeout (context.DeadlineExceeded), returns a
// response that breaks the contract (ErrHookResponse), is not registered
// (ErrSnippetNotFound), or is refused because too many snippet runs are
// still going on past their deadline (ErrSnippetBusy). Registration can
// only be checked when the action runs: the engine refuses to publish a
// flow with snippets only when the host gave no Ports.Snippets at all.
//
// # Timeouts
//
// Go cannot stop a function from outside, so the timeout bounds the turn,
// not the snippet. What a host can rely on:
//
//   - the snippet runs on a goroutine of its own, with a context that is
//     done at the timeout or when the turn's context ends; a snippet that
//     returns when its context is done leaves nothing behind;
//   - the turn waits for the snippet no longer than that: then it fails
//     the action and goes on, and the conversation may take its next turn;
//   - a snippet that ignores its context keeps running on its goroutine
//     until it returns; what it then returns, or a panic, is discarded
//     (the panic is still recovered), so it cannot change the
//     conversation, but any other effect it has (a write to the host's
//     systems) still happens, possibly during later turns;
//   - such abandoned runs are bounded per engine by
//     Ports.MaxAbandonedSnippets: while that many are still running, every
//     snippet call of the engine fails at once with ErrSnippetBusy, without
//     calling the snippet, until some of them return. Calls already under
//     way when the limit is reached may still be abandoned, so the count
//     can exceed the limit by the number of snippet calls in progress at
//     that moment.
//
// The request is the snippet's own copy. Snippets run for many
// conversations at once and must be safe for concurrent use.
type CodeSnippet struct {
	// Snippet is the name under which the host registered the function in
	// Ports.Snippets.
	Snippet string `json:"snippet"`
	// Description says what the snippet does, for people editing the flow.
	Description string `json:"description,omitempty"`
	// Timeout bounds one run, as a Go duration ("500ms", "5s"); empty means
	// DefaultSnippetTimeout, and it may not exceed MaxSnippetTimeout.
	Timeout string `json:"timeout,omitempty"`
	// ErrorMessage is said when the snippet fails, before the failure path.
	ErrorMessage action.Messages `json:"errorMessage,omitempty"`

	svc     *services
	actions map[string]bool // the flow's action names
	timeout time.Duration
}

// Provision checks the settings. A snippet's response may name the next
// action.
func (s *CodeSnippet) Provision(p action.Provision) error {
	if err := require(p, s.svc.ports.Snippets != nil, "code snippets (Ports.Snippets)"); err != nil {
		return err
	}
	if s.Snippet == "" {
		return p.Errorf("snippet", "a code snippet needs the name of a registered snippet")
	}
	s.timeout = DefaultSnippetTimeout
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil {
			return p.Errorf("timeout", "%w", err)
		}
		if d <= 0 || d > MaxSnippetTimeout {
			return p.Errorf("timeout", "must be more than 0 and at most %s, got %s", MaxSnippetTimeout, d)
		}
		s.timeout = d
	}
	s.actions = actionSet(p)
	p.ChoosesNext()
	return nil
}

// Run runs the snippet with the visitor's latest input and applies its
// response.
func (s *CodeSnippet) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	return s.hook().run(ctx, t, t.Input(), nil), nil
}

// Answer runs the snippet again with the visitor's reply to a response that
// expected one. The reply is also recorded as the action's answer
// (answers.<action name>).
func (s *CodeSnippet) Answer(ctx context.Context, t action.Turn, in action.Input) (action.Result, error) {
	return s.hook().answer(ctx, t, in), nil
}

func (s *CodeSnippet) hook() *hookCall {
	return &hookCall{what: fmt.Sprintf("snippet %q", s.Snippet), moduleType: CodeSnippetType, errorMessage: s.ErrorMessage, actions: s.actions, call: s.call}
}

// call looks the snippet up and runs it.
func (s *CodeSnippet) call(ctx context.Context, t action.Turn, req hook.Request) (hook.Response, error) {
	fn := s.svc.ports.Snippets[s.Snippet]
	if fn == nil {
		return hook.Response{}, ErrSnippetNotFound
	}
	timeout := s.timeout
	if timeout <= 0 {
		timeout = DefaultSnippetTimeout
	}
	limit := int64(s.svc.ports.MaxAbandonedSnippets)
	if limit <= 0 {
		limit = DefaultMaxAbandonedSnippets
	}
	return runSnippet(ctx, fn, req, timeout, &s.svc.abandonedSnippets, limit)
}

// The states of a snippet run, between its goroutine and the caller.
const (
	snippetRunning int32 = iota
	snippetReturned
	snippetAbandoned
)

// runSnippet runs fn on its own goroutine and waits for it until the
// timeout (or ctx) ends. A panic becomes an error wrapping ErrSnippetPanic.
// A run the caller stops waiting for counts in abandoned until fn returns;
// while abandoned is at limit, runSnippet fails at once with ErrSnippetBusy.
func runSnippet(ctx context.Context, fn Snippet, req hook.Request, timeout time.Duration, abandoned *atomic.Int64, limit int64) (hook.Response, error) {
	if n := abandoned.Load(); n >= limit {
		return hook.Response{}, fmt.Errorf("%w (%d)", ErrSnippetBusy, n)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type outcome struct {
		resp hook.Response
		err  error
	}
	// Buffered, so that a snippet finishing after the deadline does not
	// block its goroutine forever.
	done := make(chan outcome, 1)
	var state atomic.Int32
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{err: fmt.Errorf("%w: %v", ErrSnippetPanic, p)}
			}
			if !state.CompareAndSwap(snippetRunning, snippetReturned) {
				abandoned.Add(-1) // the caller counted this run
			}
			done <- o
		}()
		o.resp, o.err = fn(ctx, req)
	}()
	select {
	case o := <-done:
		if o.err != nil && ctx.Err() != nil && errors.Is(o.err, ctx.Err()) {
			return hook.Response{}, deadlineError(ctx, timeout)
		}
		return o.resp, o.err
	case <-ctx.Done():
		// Count the run before marking it abandoned, so that its goroutine
		// never takes it off the count before it is on.
		abandoned.Add(1)
		if state.CompareAndSwap(snippetRunning, snippetAbandoned) {
			return hook.Response{}, deadlineError(ctx, timeout)
		}
		abandoned.Add(-1)
		if o := <-done; o.err == nil { // returned just in time
			return o.resp, nil
		}
		return hook.Response{}, deadlineError(ctx, timeout)
	}
}

// deadlineError words a snippet run that ended with its context.
func deadlineError(ctx context.Context, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s: %w", timeout, context.DeadlineExceeded)
	}
	return ctx.Err()
}
