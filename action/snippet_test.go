package action

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newCodeSnippet(t *testing.T, settings string) *CodeSnippet {
	t.Helper()
	s := &CodeSnippet{}
	provisionHook(t, s, settings)
	return s
}

func snippetPorts(name string, fn Snippet) *Ports {
	return &Ports{Snippets: map[string]Snippet{name: fn}}
}

func TestCodeSnippetProvision(t *testing.T) {
	for name, tc := range map[string]struct{ settings, path string }{
		"no snippet":        {`{}`, "snippet"},
		"bad timeout":       {`{"snippet": "x", "timeout": "soon"}`, "timeout"},
		"zero timeout":      {`{"snippet": "x", "timeout": "0s"}`, "timeout"},
		"negative timeout":  {`{"snippet": "x", "timeout": "-1s"}`, "timeout"},
		"too long":          {`{"snippet": "x", "timeout": "61s"}`, "timeout"},
		"bad error message": {`{"snippet": "x", "errorMessage": [{"type": "image"}]}`, "errorMessage[0].url"},
	} {
		t.Run(name, func(t *testing.T) {
			s := &CodeSnippet{}
			require.NoError(t, json.Unmarshal([]byte(tc.settings), s))
			env, err := hookEnv()
			require.NoError(t, err)
			err = s.Provision(&Provision{Env: env, ActionName: "lookup"})
			var se *SettingError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.path, se.Path, "error: %v", err)
		})
	}

	s := newCodeSnippet(t, `{"snippet": "x", "description": "Looks things up."}`)
	assert.Equal(t, DefaultSnippetTimeout, s.timeout)
	s = newCodeSnippet(t, `{"snippet": "x", "timeout": "1m"}`)
	assert.Equal(t, MaxSnippetTimeout, s.timeout)
	assert.Equal(t, []Port{PortSnippets}, s.Ports())
	assert.True(t, s.ChoosesNext())
}

func TestCodeSnippetRun(t *testing.T) {
	var got HookRequest
	fn := func(ctx context.Context, req HookRequest) (HookResponse, error) {
		_, hasDeadline := ctx.Deadline()
		assert.True(t, hasDeadline, "a snippet runs with a deadline")
		got = req
		return HookResponse{
			BotMessage:         "Your order ships today, {{ contact.firstname }}.",
			QuickReplies:       []HookOption{{Value: "ok", Label: "OK"}},
			NextModuleNickname: "thanks",
			CustomState:        json.RawMessage(`{"seen": true}`),
		}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "orders", "timeout": "300ms"}`)
	turn := newHookTestTurn(snippetPorts("orders", fn))
	res, err := s.Run(context.Background(), turn)
	require.NoError(t, err)
	assert.Equal(t, Result{Status: Done, Next: "thanks"}, res)
	assert.Equal(t, []string{"Your order ships today, Ada."}, turn.said)
	assert.Equal(t, []QuickReply{{Value: "ok", Label: "OK"}}, turn.prompt)
	assert.JSONEq(t, `{"seen": true}`, string(turn.custom))

	assert.Equal(t, HookModule{Nickname: "lookup", ModuleType: CodeSnippetType}, got.Module)
	assert.Equal(t, "Where is my order?", got.UserMessage.Message)
	assert.Equal(t, "c-42", got.Session.VID)
	assert.Equal(t, "Ada", got.Session.Properties.Contact["firstname"].Value)
	assert.Equal(t, "Analytical Engines", got.Session.Properties.Company["name"].Value)
	assert.Nil(t, got.CustomState)
}

func TestCodeSnippetCustomStateRoundTrip(t *testing.T) {
	var states []string
	fn := func(_ context.Context, req HookRequest) (HookResponse, error) {
		states = append(states, string(req.CustomState))
		var st struct{ N int }
		if len(req.CustomState) > 0 {
			if err := json.Unmarshal(req.CustomState, &st); err != nil {
				return HookResponse{}, err
			}
		}
		st.N++
		cs, _ := json.Marshal(st)
		if st.N < 3 {
			return HookResponse{BotMessage: "Again?", ResponseExpected: true, CustomState: cs}, nil
		}
		return HookResponse{BotMessage: "Done after " + req.UserMessage.Message, CustomState: cs}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "count"}`)
	turn := newHookTestTurn(snippetPorts("count", fn))

	res, _ := s.Run(context.Background(), turn)
	require.Equal(t, Wait, res.Status, res.Reason)
	assert.True(t, turn.freeText)
	res, _ = s.Answer(context.Background(), turn, Input{Text: "one"})
	require.Equal(t, Wait, res.Status, res.Reason)
	res, _ = s.Answer(context.Background(), turn, Input{Text: "two"})
	require.Equal(t, Done, res.Status, res.Reason)

	assert.Equal(t, []string{"", `{"N":1}`, `{"N":2}`}, states)
	assert.Equal(t, []string{"Again?", "Again?", "Done after two"}, turn.said)
	assert.Equal(t, "two", turn.answer)
	assert.JSONEq(t, `{"N": 3}`, string(turn.custom))
}

func TestCodeSnippetFailures(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // lets the snippet that ignores its context end
	for name, tc := range map[string]struct {
		fn     Snippet
		reason string
		runErr error // what runSnippet's error matches, if anything
	}{
		"panic": {func(context.Context, HookRequest) (HookResponse, error) { panic("boom") },
			`snippet "s" failed: action: snippet panicked: boom`, ErrSnippetPanic},
		"error": {func(context.Context, HookRequest) (HookResponse, error) {
			return HookResponse{}, errors.New("no orders service")
		},
			`snippet "s" failed: no orders service`, nil},
		"ignores its deadline": {func(context.Context, HookRequest) (HookResponse, error) { <-release; return HookResponse{}, nil },
			`snippet "s" failed: no answer within 100ms`, context.DeadlineExceeded},
		"honours its deadline": {func(ctx context.Context, _ HookRequest) (HookResponse, error) {
			<-ctx.Done()
			return HookResponse{}, ctx.Err()
		},
			`snippet "s" failed: no answer within 100ms`, context.DeadlineExceeded},
		"unknown next": {func(context.Context, HookRequest) (HookResponse, error) {
			return HookResponse{BotMessage: "not said", NextModuleNickname: "nowhere"}, nil
		}, `action: invalid webhook or snippet response: nextModuleNickname "nowhere" names no action of this flow`, nil},
		"bad custom state": {func(context.Context, HookRequest) (HookResponse, error) {
			return HookResponse{CustomState: json.RawMessage(`{"broken"`)}, nil
		}, `action: invalid webhook or snippet response: customState is not a JSON object`, nil},
	} {
		t.Run(name, func(t *testing.T) {
			s := newCodeSnippet(t, `{"snippet": "s", "timeout": "100ms", "errorMessage": ["Sorry, {{ contact.firstname }}."]}`)
			turn := newHookTestTurn(snippetPorts("s", tc.fn))
			start := time.Now()
			res, err := s.Run(context.Background(), turn)
			require.NoError(t, err)
			assert.Less(t, time.Since(start), time.Second, "the turn is not held up past the timeout")
			assert.Equal(t, Fail, res.Status)
			assert.Contains(t, res.Reason, tc.reason)
			assert.Equal(t, []string{"Sorry, Ada."}, turn.said)
			assert.Nil(t, turn.custom)
			if tc.runErr != nil {
				_, err := runSnippet(context.Background(), tc.fn, HookRequest{}, 100*time.Millisecond)
				assert.ErrorIs(t, err, tc.runErr)
			}
		})
	}
}

func TestCodeSnippetNotRegistered(t *testing.T) {
	s := newCodeSnippet(t, `{"snippet": "missing"}`)
	for name, ports := range map[string]*Ports{
		"other snippets": snippetPorts("other", func(context.Context, HookRequest) (HookResponse, error) { return HookResponse{}, nil }),
		"nil function":   snippetPorts("missing", nil),
		"no snippets":    {},
		"no ports":       nil,
	} {
		t.Run(name, func(t *testing.T) {
			res, err := s.Run(context.Background(), newHookTestTurn(ports))
			require.NoError(t, err)
			assert.Equal(t, Fail, res.Status)
			assert.Equal(t, `snippet "missing" failed: action: snippet not registered`, res.Reason)
		})
	}
}

func TestCodeSnippetCanceledTurn(t *testing.T) {
	s := newCodeSnippet(t, `{"snippet": "s"}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fn := func(ctx context.Context, _ HookRequest) (HookResponse, error) {
		<-ctx.Done()
		return HookResponse{}, ctx.Err()
	}
	res, _ := s.Run(ctx, newHookTestTurn(snippetPorts("s", fn)))
	assert.Equal(t, Fail, res.Status)
	assert.Equal(t, `snippet "s" failed: context canceled`, res.Reason)
}

func TestCodeSnippetTypedQuickReply(t *testing.T) {
	var last HookRequest
	fn := func(_ context.Context, req HookRequest) (HookResponse, error) {
		last = req
		if len(req.CustomState) == 0 {
			return HookResponse{BotMessage: "Which size?", ResponseExpected: true, CustomState: json.RawMessage(`{}`),
				QuickReplies: []HookOption{{Value: "s", Label: "Small"}, {Value: "l", Label: "Large"}}}, nil
		}
		return HookResponse{}, nil
	}
	s := newCodeSnippet(t, `{"snippet": "size"}`)
	turn := newHookTestTurn(snippetPorts("size", fn))
	res, _ := s.Run(context.Background(), turn)
	require.Equal(t, Wait, res.Status, res.Reason)

	res, _ = s.Answer(context.Background(), turn, Input{Text: " LARGE "})
	require.Equal(t, Done, res.Status, res.Reason)
	assert.Equal(t, " LARGE ", last.UserMessage.Message, "the typed text is sent as it is")
	assert.Equal(t, &HookQuickReply{QuickReplies: []HookOption{{Value: "l", Label: "Large"}}}, last.UserMessage.QuickReply)
	assert.Equal(t, "l", turn.answer, "the answer is the quick reply's value")

	// Text that matches no quick reply is just text.
	turn.custom = nil
	_, _ = s.Run(context.Background(), turn)
	_, _ = s.Answer(context.Background(), turn, Input{Text: "medium"})
	assert.Nil(t, last.UserMessage.QuickReply)
	assert.Equal(t, "medium", turn.answer)
}
