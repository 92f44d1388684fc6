package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	must "github.com/stretchr/testify/require"
)

func snippetPorts(name string, fn Snippet) Ports {
	return Ports{Snippets: map[string]Snippet{name: fn}}
}

// newCodeSnippet loads a code snippet action with the given snippets.
func newCodeSnippet(t *testing.T, settings string, ports Ports) *CodeSnippet {
	t.Helper()
	s, _ := mustLoad[*CodeSnippet](t, CodeSnippetType, settings, store.Stores{}, ports)
	return s
}

func noopSnippet(context.Context, hook.Request) (hook.Response, error) { return hook.Response{}, nil }

func TestCodeSnippetProvision(t *testing.T) {
	ports := snippetPorts("x", noopSnippet)
	for name, tc := range map[string]struct{ settings, path string }{
		"no snippet":        {`{}`, "snippet"},
		"bad timeout":       {`{"snippet": "x", "timeout": "soon"}`, "timeout"},
		"zero timeout":      {`{"snippet": "x", "timeout": "0s"}`, "timeout"},
		"negative timeout":  {`{"snippet": "x", "timeout": "-1s"}`, "timeout"},
		"too long":          {`{"snippet": "x", "timeout": "61s"}`, "timeout"},
		"bad error message": {`{"snippet": "x", "errorMessage": [{"type": "image"}]}`, "errorMessage[0].url"},
		"bad bubble type":   {`{"snippet": "x", "errorMessage": [{"type": "gif", "url": "https://x"}]}`, "errorMessage[0].type"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := load(t, CodeSnippetType, tc.settings, store.Stores{}, ports)
			assert.Equal(t, tc.path, problem(t, err).Path, "error: %v", err)
		})
	}

	// An unparsable timeout keeps the parser's error as its cause.
	_, _, err := load(t, CodeSnippetType, `{"snippet": "x", "timeout": "soon"}`, store.Stores{}, ports)
	assert.NotNil(t, problem(t, err).Err)

	s, p := mustLoad[*CodeSnippet](t, CodeSnippetType, `{"snippet": "x", "description": "Looks things up."}`, store.Stores{}, ports)
	assert.Equal(t, DefaultSnippetTimeout, s.timeout)
	assert.True(t, p.choosesNext, "a snippet's response may name the next action")
	assert.False(t, p.waits)
	s = newCodeSnippet(t, `{"snippet": "x", "timeout": "1m"}`, ports)
	assert.Equal(t, MaxSnippetTimeout, s.timeout)

	// The snippet need not be registered when the flow loads, but the host
	// must provide snippets at all.
	newCodeSnippet(t, `{"snippet": "registered-later"}`, ports)
	newCodeSnippet(t, `{"snippet": "x"}`, Ports{Snippets: map[string]Snippet{}})
	_, _, err = load(t, CodeSnippetType, `{"snippet": "x"}`, store.Stores{}, Ports{})
	assert.ErrorIs(t, err, ErrMissingPort)
	assert.Equal(t, "", problem(t, err).Path, "the whole action is concerned")
	assert.Contains(t, err.Error(), "Ports.Snippets")
}

func TestCodeSnippetRun(t *testing.T) {
	var got hook.Request
	fn := func(ctx context.Context, req hook.Request) (hook.Response, error) {
		_, hasDeadline := ctx.Deadline()
		assert.True(t, hasDeadline, "a snippet runs with a deadline")
		got = req
		return hook.Response{
			BotMessage:         "Your order ships today, {{ contact.firstname }}.",
			QuickReplies:       []hook.Option{{Value: "ok", Label: "OK"}},
			NextModuleNickname: "thanks",
			CustomState:        json.RawMessage(`{"seen": true}`),
		}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "orders", "timeout": "30s"}`, snippetPorts("orders", fn))
	turn := newFakeTurn()
	res, err := s.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done, Next: "thanks"}, res)
	assert.Equal(t, []string{"Your order ships today, {{ contact.firstname }}."}, turn.said,
		"a botMessage is said as it is, never evaluated as a template")
	assert.Equal(t, []action.QuickReply{{Value: "ok", Label: "OK"}}, turn.quick)
	assert.True(t, turn.freeText)
	assert.JSONEq(t, `{"seen": true}`, string(turn.session.CustomState))

	assert.Equal(t, hook.Module{Nickname: "lookup", ModuleType: CodeSnippetType}, got.Module)
	assert.Equal(t, "Where is my order?", got.UserMessage.Message)
	assert.Nil(t, got.UserMessage.QuickReply)
	assert.Equal(t, "c-42", got.Session.VID)
	assert.Equal(t, "conv-1", got.Session.ConversationID)
	assert.Equal(t, "active", got.Session.State)
	assert.Equal(t, "Ada", got.Session.Properties.Contact["firstname"].Value)
	assert.Equal(t, "Analytical Engines", got.Session.Properties.Company["name"].Value)
	assert.Equal(t, hook.Bot{Nickname: "support-bot", ChatflowID: "support-bot", ConversationChannelType: "chat"}, got.Bot)
	assert.Nil(t, got.CustomState)
}

// TestCodeSnippetRequestIsACopy: a snippet that scribbles on its request
// cannot change the conversation's custom state.
func TestCodeSnippetRequestIsACopy(t *testing.T) {
	fn := func(_ context.Context, req hook.Request) (hook.Response, error) {
		for i := range req.CustomState {
			req.CustomState[i] = ' '
		}
		for i := range req.Session.CustomState {
			req.Session.CustomState[i] = ' '
		}
		return hook.Response{}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "s"}`, snippetPorts("s", fn))
	turn := newFakeTurn()
	turn.session.CustomState = json.RawMessage(`{"a":1}`)
	res, err := s.Run(context.Background(), turn)
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, `{"a":1}`, string(turn.session.CustomState))
}

func TestCodeSnippetCustomStateRoundTrip(t *testing.T) {
	var states []string
	fn := func(_ context.Context, req hook.Request) (hook.Response, error) {
		states = append(states, string(req.CustomState))
		var st struct{ N int }
		if len(req.CustomState) > 0 {
			if err := json.Unmarshal(req.CustomState, &st); err != nil {
				return hook.Response{}, err
			}
		}
		st.N++
		cs, _ := json.Marshal(st)
		if st.N < 3 {
			return hook.Response{BotMessage: "Again?", ResponseExpected: true, CustomState: cs}, nil
		}
		return hook.Response{BotMessage: "Done after " + req.UserMessage.Message, CustomState: cs}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "count"}`, snippetPorts("count", fn))
	turn := newFakeTurn()

	res, err := s.Run(context.Background(), turn)
	must.NoError(t, err)
	must.Equal(t, action.Wait, res.Status, res.Reason)
	assert.True(t, turn.freeText)
	assert.Nil(t, turn.quick)
	res, err = s.Answer(context.Background(), turn, action.Input{Text: "one"})
	must.NoError(t, err)
	must.Equal(t, action.Wait, res.Status, res.Reason)
	res, err = s.Answer(context.Background(), turn, action.Input{Text: "two"})
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)

	assert.Equal(t, []string{"", `{"N":1}`, `{"N":2}`}, states)
	assert.Equal(t, []string{"Again?", "Again?", "Done after two"}, turn.said)
	must.NotNil(t, turn.answer)
	assert.Equal(t, "two", *turn.answer)
	assert.Equal(t, "two", turn.answers["lookup"], "later conditions see it as answers.lookup")
	assert.JSONEq(t, `{"N": 3}`, string(turn.session.CustomState))
}

func TestCodeSnippetFailures(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // lets the snippet that ignores its context end
	errNoOrders := errors.New("no orders service")
	for name, tc := range map[string]struct {
		fn     Snippet
		reason string
		runErr error // what the result's Err matches
	}{
		"panic": {func(context.Context, hook.Request) (hook.Response, error) { panic("boom") },
			`snippet "s" failed: builtin: snippet panicked: boom`, ErrSnippetPanic},
		"error": {func(context.Context, hook.Request) (hook.Response, error) {
			return hook.Response{}, errNoOrders
		}, `snippet "s" failed: no orders service`, errNoOrders},
		"ignores its deadline": {func(context.Context, hook.Request) (hook.Response, error) { <-release; return hook.Response{}, nil },
			`snippet "s" failed: no answer within 100ms`, context.DeadlineExceeded},
		"honours its deadline": {func(ctx context.Context, _ hook.Request) (hook.Response, error) {
			<-ctx.Done()
			return hook.Response{}, ctx.Err()
		}, `snippet "s" failed: no answer within 100ms`, context.DeadlineExceeded},
		"bad custom state": {func(context.Context, hook.Request) (hook.Response, error) {
			return hook.Response{BotMessage: "not said", CustomState: json.RawMessage(`{"broken"`)}, nil
		}, `snippet "s" failed: builtin: invalid webhook or snippet response: customState is not a JSON object`, ErrHookResponse},
		"custom state not an object": {func(context.Context, hook.Request) (hook.Response, error) {
			return hook.Response{CustomState: json.RawMessage(`"text"`)}, nil
		}, `customState is not a JSON object`, ErrHookResponse},
		"quick reply without value": {func(context.Context, hook.Request) (hook.Response, error) {
			return hook.Response{BotMessage: "not said", QuickReplies: []hook.Option{{Value: "a"}, {Value: " ", Label: "Blank"}}}, nil
		}, `quickReplies[1] has no value`, ErrHookResponse},
	} {
		t.Run(name, func(t *testing.T) {
			s := newCodeSnippet(t, `{"snippet": "s", "timeout": "100ms", "errorMessage": ["Sorry, {{ contact.firstname }}."]}`, snippetPorts("s", tc.fn))
			turn := newFakeTurn()
			res, err := s.Run(context.Background(), turn)
			must.NoError(t, err, "a failing snippet is the action's failure, not an error")
			assert.Equal(t, action.Fail, res.Status)
			assert.Contains(t, res.Reason, tc.reason)
			assert.ErrorIs(t, res.Err, tc.runErr, "the cause is matchable")
			assert.Equal(t, []string{"Sorry, Ada."}, turn.said, "only the error message is said, rendered")
			assert.Zero(t, turn.prompts)
			assert.Nil(t, turn.session.CustomState)
			assert.Nil(t, turn.state)
		})
	}
}

// TestCodeSnippetNextModule: the action passes a nextModuleNickname of the
// flow on, and fails, applying nothing, on one the flow lacks.
func TestCodeSnippetNextModule(t *testing.T) {
	next := "track"
	fn := func(context.Context, hook.Request) (hook.Response, error) {
		return hook.Response{BotMessage: "Moving on, {{ contact.firstname }}.", NextModuleNickname: next}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "s"}`, snippetPorts("s", fn))
	turn := newFakeTurn()
	res, err := s.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Result{Status: action.Done, Next: "track"}, res)
	assert.Equal(t, []string{"Moving on, {{ contact.firstname }}."}, turn.said)

	next = "nowhere"
	turn = newFakeTurn()
	res, err = s.Run(context.Background(), turn)
	must.NoError(t, err)
	assert.Equal(t, action.Fail, res.Status)
	assert.Contains(t, res.Reason, `"nowhere" names no action`)
	assert.Empty(t, turn.said)
}

func TestCodeSnippetNotRegistered(t *testing.T) {
	for name, ports := range map[string]Ports{
		"other snippets": snippetPorts("other", noopSnippet),
		"nil function":   snippetPorts("missing", nil),
		"no snippets":    {Snippets: map[string]Snippet{}},
	} {
		t.Run(name, func(t *testing.T) {
			s := newCodeSnippet(t, `{"snippet": "missing", "errorMessage": ["Oops."]}`, ports)
			turn := newFakeTurn()
			res, err := s.Run(context.Background(), turn)
			must.NoError(t, err)
			assert.Equal(t, action.Fail, res.Status)
			assert.Equal(t, `snippet "missing" failed: builtin: snippet not registered`, res.Reason)
			assert.ErrorIs(t, res.Err, ErrSnippetNotFound)
			assert.Equal(t, []string{"Oops."}, turn.said)
		})
	}
}

func TestCodeSnippetCanceledTurn(t *testing.T) {
	fn := func(ctx context.Context, _ hook.Request) (hook.Response, error) {
		<-ctx.Done()
		return hook.Response{}, ctx.Err()
	}
	s := newCodeSnippet(t, `{"snippet": "s"}`, snippetPorts("s", fn))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := s.Run(ctx, newFakeTurn())
	must.NoError(t, err)
	assert.Equal(t, action.Fail, res.Status)
	assert.Equal(t, `snippet "s" failed: context canceled`, res.Reason)
	assert.ErrorIs(t, res.Err, context.Canceled)
}

func TestCodeSnippetTypedQuickReply(t *testing.T) {
	var last hook.Request
	fn := func(_ context.Context, req hook.Request) (hook.Response, error) {
		last = req
		if len(req.CustomState) == 0 {
			return hook.Response{BotMessage: "Which size?", ResponseExpected: true, CustomState: json.RawMessage(`{}`),
				QuickReplies: []hook.Option{{Value: "s", Label: "Small"}, {Value: "l", Label: "Large"}}}, nil
		}
		return hook.Response{}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "size"}`, snippetPorts("size", fn))
	turn := newFakeTurn()
	res, err := s.Run(context.Background(), turn)
	must.NoError(t, err)
	must.Equal(t, action.Wait, res.Status, res.Reason)

	res, err = s.Answer(context.Background(), turn, action.Input{Text: " LARGE "})
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, " LARGE ", last.UserMessage.Message, "the typed text is sent as it is")
	assert.Equal(t, &hook.QuickReplies{QuickReplies: []hook.Option{{Value: "l", Label: "Large"}}}, last.UserMessage.QuickReply)
	must.NotNil(t, turn.answer)
	assert.Equal(t, "l", *turn.answer, "the answer is the quick reply's value")
	assert.Equal(t, []action.Event{{Type: EventAnswerAccepted, Value: "l"}}, turn.events)

	// Text that matches no quick reply is just text.
	turn.session.CustomState = nil
	_, err = s.Run(context.Background(), turn)
	must.NoError(t, err)
	_, err = s.Answer(context.Background(), turn, action.Input{Text: "medium"})
	must.NoError(t, err)
	assert.Nil(t, last.UserMessage.QuickReply)
	assert.Equal(t, "medium", *turn.answer)

	// A waiting state that does not decode only costs the labels.
	turn.state = []byte("not json")
	_, err = s.Answer(context.Background(), turn, action.Input{QuickReply: "l"})
	must.NoError(t, err)
	assert.Equal(t, &hook.QuickReplies{QuickReplies: []hook.Option{{Value: "l", Label: "l"}}}, last.UserMessage.QuickReply)
	assert.Equal(t, "l", *turn.answer)
}

// TestCodeSnippetAbandonedRunsAreBounded: snippets that ignore their
// context are abandoned at the timeout; once MaxAbandonedSnippets of them
// are still running, every snippet call of the engine fails at once
// without running, until they return.
func TestCodeSnippetAbandonedRunsAreBounded(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Int32
	stuck := func(context.Context, hook.Request) (hook.Response, error) {
		started.Add(1)
		<-release // ignores its context
		panic("late, and broken too")
	}
	var fastRuns atomic.Int32
	fast := func(context.Context, hook.Request) (hook.Response, error) {
		fastRuns.Add(1)
		return hook.Response{BotMessage: "quick"}, nil
	}
	ports := Ports{Snippets: map[string]Snippet{"stuck": stuck, "fast": fast}, MaxAbandonedSnippets: 2}
	s := newCodeSnippet(t, `{"snippet": "stuck", "timeout": "10ms", "errorMessage": ["Busy."]}`, ports)
	// Another snippet action of the same engine shares the bound.
	other := *s
	other.Snippet = "fast"
	run := func(a *CodeSnippet) (action.Result, *fakeTurn) {
		turn := newFakeTurn()
		res, err := a.Run(context.Background(), turn)
		must.NoError(t, err)
		return res, turn
	}

	for range 2 {
		res, _ := run(s)
		must.Equal(t, action.Fail, res.Status)
		must.ErrorIs(t, res.Err, context.DeadlineExceeded)
	}
	must.EqualValues(t, 2, started.Load())

	res, turn := run(s)
	assert.Equal(t, action.Fail, res.Status)
	assert.ErrorIs(t, res.Err, ErrSnippetBusy)
	assert.Equal(t, `snippet "stuck" failed: builtin: too many snippets still running past their deadline (2)`, res.Reason)
	assert.Equal(t, []string{"Busy."}, turn.said)
	res, _ = run(&other)
	assert.ErrorIs(t, res.Err, ErrSnippetBusy, "the bound is the engine's, not the snippet's")
	assert.EqualValues(t, 2, started.Load(), "a refused call does not run the snippet")
	assert.Zero(t, fastRuns.Load())

	// Once the abandoned runs return (here by panicking, which is
	// recovered), snippets run again.
	close(release)
	must.Eventually(t, func() bool { return s.svc.abandonedSnippets.Load() == 0 }, 10*time.Second, time.Millisecond)
	res, turn = run(&other)
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, []string{"quick"}, turn.said)

	// Another engine has a bound of its own.
	fresh := newCodeSnippet(t, `{"snippet": "fast"}`, ports)
	assert.NotSame(t, s.svc, fresh.svc)
}

// TestRunSnippetCountsOnlyAbandonedRuns: runs that return in time, with an
// error, a panic or their context's error, leave nothing counted.
func TestRunSnippetCountsOnlyAbandonedRuns(t *testing.T) {
	var abandoned atomic.Int64
	for name, fn := range map[string]Snippet{
		"ok":    noopSnippet,
		"error": func(context.Context, hook.Request) (hook.Response, error) { return hook.Response{}, errors.New("no") },
		"panic": func(context.Context, hook.Request) (hook.Response, error) { panic("boom") },
		"honours": func(ctx context.Context, _ hook.Request) (hook.Response, error) {
			<-ctx.Done()
			return hook.Response{}, ctx.Err()
		},
		"late": func(ctx context.Context, _ hook.Request) (hook.Response, error) {
			<-ctx.Done()
			return hook.Response{}, nil
		},
	} {
		_, _ = runSnippet(context.Background(), fn, hook.Request{}, 10*time.Millisecond, &abandoned, 1)
		must.Eventually(t, func() bool { return abandoned.Load() == 0 }, 10*time.Second, time.Millisecond, name)
	}
}

// TestHookResponseLimits: a response's texts are bounded; one over a limit
// breaks the contract and nothing of it is said or offered.
func TestHookResponseLimits(t *testing.T) {
	qrs := func(n int, value, label string) []hook.Option {
		out := make([]hook.Option, n)
		for i := range out {
			out[i] = hook.Option{Value: value + strconv.Itoa(i), Label: label}
		}
		return out
	}
	long := func(n int) string { return strings.Repeat("é", n/2) } // n bytes of UTF-8
	for name, tc := range map[string]struct {
		resp   hook.Response
		reason string // "" means accepted
	}{
		"message at the limit":   {resp: hook.Response{BotMessage: long(MaxBotMessageBytes)}},
		"message over the limit": {resp: hook.Response{BotMessage: long(MaxBotMessageBytes) + "x"}, reason: "botMessage is longer than 8192 bytes"},
		"message not UTF-8":      {resp: hook.Response{BotMessage: "caf\xe9"}, reason: "botMessage is not valid UTF-8"},
		"message with NUL":       {resp: hook.Response{BotMessage: "a\x00b"}, reason: "botMessage has a NUL byte"},
		"replies at the limit":   {resp: hook.Response{BotMessage: "Pick", QuickReplies: qrs(MaxHookQuickReplies, "v", "Label")}},
		"too many replies":       {resp: hook.Response{BotMessage: "Pick", QuickReplies: qrs(MaxHookQuickReplies+1, "v", "")}, reason: "21 quickReplies, more than 20"},
		"long value":             {resp: hook.Response{QuickReplies: qrs(1, long(MaxQuickReplyBytes), "")}, reason: "quickReplies[0].value is longer than 256 bytes"},
		"label at the limit":     {resp: hook.Response{QuickReplies: qrs(1, "v", long(MaxQuickReplyBytes))}},
		"long label":             {resp: hook.Response{QuickReplies: qrs(2, "v", long(MaxQuickReplyBytes)+"x")}, reason: "quickReplies[0].label is longer than 256 bytes"},
		"label with NUL":         {resp: hook.Response{QuickReplies: qrs(1, "v", "a\x00")}, reason: "quickReplies[0].label has a NUL byte"},
	} {
		t.Run(name, func(t *testing.T) {
			fn := func(context.Context, hook.Request) (hook.Response, error) { return tc.resp, nil }
			s := newCodeSnippet(t, `{"snippet": "s", "errorMessage": ["Oops."]}`, snippetPorts("s", fn))
			turn := newFakeTurn()
			res, err := s.Run(context.Background(), turn)
			must.NoError(t, err)
			if tc.reason == "" {
				must.Equal(t, action.Done, res.Status, res.Reason)
				assert.Len(t, turn.quick, len(tc.resp.QuickReplies))
				return
			}
			assert.Equal(t, action.Fail, res.Status)
			assert.ErrorIs(t, res.Err, ErrHookResponse)
			assert.Contains(t, res.Reason, tc.reason)
			assert.Equal(t, []string{"Oops."}, turn.said, "nothing of the response is said")
			assert.Zero(t, turn.prompts)
		})
	}
}
