package builtin

import (
	"context"
	"errors"
	"fmt"
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
// error, panics (the panic is recovered), runs past its timeout, returns a
// response that breaks the contract, or is not registered. Registration
// can only be checked when the action runs: the engine refuses to publish
// a flow with snippets only when the host gave no Ports.Snippets at all.
//
// The snippet runs on its own goroutine with a context that ends at the
// timeout, so that a snippet that ignores its context cannot hold up the
// turn beyond it; such a snippet's goroutine outlives the turn until the
// function returns, and its result is then dropped. The request is the
// snippet's own copy. Snippets run for many conversations at once and must
// be safe for concurrent use.
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
	return runSnippet(ctx, fn, req, timeout)
}

// runSnippet runs fn on its own goroutine and waits for it until the
// timeout (or ctx) ends. A panic becomes an error wrapping ErrSnippetPanic.
func runSnippet(ctx context.Context, fn Snippet, req hook.Request, timeout time.Duration) (hook.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type outcome struct {
		resp hook.Response
		err  error
	}
	// Buffered, so that a snippet finishing after the deadline does not
	// block its goroutine forever.
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{err: fmt.Errorf("%w: %v", ErrSnippetPanic, p)}
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
		select {
		case o := <-done: // finished just in time
			if o.err == nil {
				return o.resp, nil
			}
		default:
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
