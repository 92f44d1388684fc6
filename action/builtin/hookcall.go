package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
	"github.com/chatflow/chatflow/store"
)

// ErrHookResponse reports a webhook or snippet response that breaks the
// contract of SPEC §13: malformed JSON, a quick reply without a value, a
// nextModuleNickname that names no action, or a customState that is not a
// JSON object or is too large. (A webhook body over the policy's size limit
// is ErrWebhookTooLarge.)
var ErrHookResponse = errors.New("builtin: invalid webhook or snippet response")

// Limits on a webhook's or snippet's response: the text is shown to the
// visitor and the quick replies are kept with the session while the action
// waits, so a response over a limit breaks the contract (ErrHookResponse)
// rather than being cut.
const (
	// MaxCustomStateBytes bounds the customState a webhook or snippet may
	// return. The state is kept with the session and sent with every later
	// call, so it must stay small.
	MaxCustomStateBytes = 64 << 10
	// MaxBotMessageBytes bounds a response's botMessage, in bytes of UTF-8.
	MaxBotMessageBytes = 8 << 10
	// MaxHookQuickReplies bounds how many quickReplies a response may offer.
	MaxHookQuickReplies = 20
	// MaxQuickReplyBytes bounds the value and the label of each of a
	// response's quickReplies, in bytes of UTF-8.
	MaxQuickReplyBytes = 256
)

// hookSessionState is the session.state sent to webhooks and snippets: they
// only run while the bot part of the conversation is active.
const hookSessionState = "active"

// hookState is the saved state of a webhook or snippet that waits for the
// visitor (responseExpected): the quick replies it offered, so that the
// label of the one the visitor clicks can be sent with the next call.
type hookState struct {
	QuickReplies []hook.Option `json:"q,omitempty"`
}

// hookCall is what the webhook and snippet actions share: how a call's
// response is applied to the turn, and how a failure is reported.
type hookCall struct {
	// what names the call in failure reasons ("webhook call to
	// example.com", "snippet \"x\"").
	what string
	// moduleType is sent as module.moduleType.
	moduleType string
	// errorMessage is said when the call fails.
	errorMessage action.Messages
	// ignoreResponse makes any response count as an empty one (a webhook
	// that does not wait for feedback).
	ignoreResponse bool
	// actions are the flow's action names, which a response's
	// nextModuleNickname must be one of.
	actions map[string]bool
	// call makes one call.
	call func(ctx context.Context, t action.Turn, req hook.Request) (hook.Response, error)
}

// run calls the hook with the visitor's input and applies its response.
// offered are the quick replies the previous call of this action offered,
// if the input answers it.
func (h *hookCall) run(ctx context.Context, t action.Turn, in action.Input, offered []hook.Option) action.Result {
	req := newHookRequest(t, h.moduleType, in, offered)
	resp, err := h.call(ctx, t, req)
	if err != nil {
		return h.fail(t, err)
	}
	if h.ignoreResponse {
		return action.Result{Status: action.Done}
	}
	return h.apply(t, resp)
}

// answer runs the hook again with the visitor's reply to a call that
// expected one.
func (h *hookCall) answer(ctx context.Context, t action.Turn, in action.Input) action.Result {
	var st hookState
	if s := t.State(); len(s) > 0 {
		// A state that does not decode (written by another version of the
		// action) only costs the quick replies' labels.
		_ = json.Unmarshal(s, &st)
	}
	value := in.Value()
	if o, ok := chosenOption(in, st.QuickReplies); ok {
		value = o.Value
	}
	t.SetAnswer(value)
	t.Emit(action.Event{Type: EventAnswerAccepted, Value: value})
	return h.run(ctx, t, in, st.QuickReplies)
}

// fail says the error message and fails the action; the engine then follows
// the failure path or shows the general error message.
func (h *hookCall) fail(t action.Turn, err error) action.Result {
	if len(h.errorMessage) > 0 {
		t.Say(h.errorMessage)
	}
	return action.Result{Status: action.Fail, Reason: h.what + " failed: " + err.Error(), Err: err}
}

// apply checks a response and carries it out: custom state, bot message,
// quick replies, then waiting for the visitor or moving on. A response that
// breaks the contract changes nothing and fails the action.
func (h *hookCall) apply(t action.Turn, resp hook.Response) action.Result {
	if err := checkHookResponse(resp, h.actions); err != nil {
		return h.fail(t, err)
	}
	if cs := bytes.TrimSpace(resp.CustomState); len(cs) > 0 {
		if string(cs) == "null" {
			t.SetCustomState(nil)
		} else {
			t.SetCustomState(bytes.Clone(cs))
		}
	}
	if resp.BotMessage != "" {
		h.say(t, resp.BotMessage)
	}
	var qrs []action.QuickReply
	if len(resp.QuickReplies) > 0 {
		qrs = make([]action.QuickReply, len(resp.QuickReplies))
		for i, q := range resp.QuickReplies {
			qrs[i] = action.QuickReply{Value: q.Value, Label: q.Label}
		}
	}
	if resp.ResponseExpected {
		var st []byte
		if len(resp.QuickReplies) > 0 {
			// Marshalling a slice of string pairs cannot fail.
			st, _ = json.Marshal(hookState{QuickReplies: resp.QuickReplies})
		}
		t.SetState(st)
		t.Prompt(qrs, true)
		return action.Result{Status: action.Wait}
	}
	if len(qrs) > 0 {
		t.Prompt(qrs, true)
	}
	return action.Result{Status: action.Done, Next: resp.NextModuleNickname}
}

// say says a botMessage as it is: the text comes from outside the flow
// and may echo the visitor's own words, so it is never evaluated as a
// template (SPEC §13).
func (h *hookCall) say(t action.Turn, text string) {
	t.Say(action.Messages{{Text: text}})
}

// checkHookResponse checks what apply relies on.
func checkHookResponse(resp hook.Response, actions map[string]bool) error {
	if n := resp.NextModuleNickname; n != "" && !resp.ResponseExpected && !actions[n] {
		return fmt.Errorf("%w: nextModuleNickname %q names no action of this flow", ErrHookResponse, n)
	}
	if err := checkHookText("botMessage", resp.BotMessage, MaxBotMessageBytes); err != nil {
		return err
	}
	if n := len(resp.QuickReplies); n > MaxHookQuickReplies {
		return fmt.Errorf("%w: %d quickReplies, more than %d", ErrHookResponse, n, MaxHookQuickReplies)
	}
	for i, q := range resp.QuickReplies {
		if strings.TrimSpace(q.Value) == "" {
			return fmt.Errorf("%w: quickReplies[%d] has no value", ErrHookResponse, i)
		}
		at := "quickReplies[" + strconv.Itoa(i) + "]"
		if err := checkHookText(at+".value", q.Value, MaxQuickReplyBytes); err != nil {
			return err
		}
		if err := checkHookText(at+".label", q.Label, MaxQuickReplyBytes); err != nil {
			return err
		}
	}
	if cs := bytes.TrimSpace(resp.CustomState); len(cs) > 0 && string(cs) != "null" {
		if len(cs) > MaxCustomStateBytes {
			return fmt.Errorf("%w: customState is larger than %d bytes", ErrHookResponse, MaxCustomStateBytes)
		}
		if cs[0] != '{' || !json.Valid(cs) {
			return fmt.Errorf("%w: customState is not a JSON object", ErrHookResponse)
		}
	}
	return nil
}

// checkHookText checks a text of a response that the visitor sees or the
// session keeps: at most max bytes of valid UTF-8 without NUL bytes, which
// stores of text cannot keep.
func checkHookText(field, text string, max int) error {
	switch {
	case len(text) > max:
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrHookResponse, field, max)
	case !utf8.ValidString(text):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrHookResponse, field)
	case strings.IndexByte(text, 0) >= 0:
		return fmt.Errorf("%w: %s has a NUL byte", ErrHookResponse, field)
	}
	return nil
}

// decodeHookResponse decodes a webhook's response body. An empty body is an
// empty response (go on along the default path); unknown fields are ignored
// so that responses written for HubSpot keep working.
func decodeHookResponse(body []byte) (hook.Response, error) {
	var resp hook.Response
	if len(bytes.TrimSpace(body)) == 0 {
		return resp, nil
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return hook.Response{}, fmt.Errorf("%w: %v", ErrHookResponse, err)
	}
	return resp, nil
}

// newHookRequest builds the request of SPEC §13 from the turn. Property
// values carry the turn's time as syncedAt: the engine does not track when
// each value was written. The bot's nickname is the flow ID, as the turn
// does not know the flow's display name.
func newHookRequest(t action.Turn, moduleType string, in action.Input, offered []hook.Option) hook.Request {
	sess := t.Session()
	now := unixMilli(sess.Now)
	return hook.Request{
		UserMessage: hookUserMessage(in, offered),
		Session: hook.Session{
			VID:                   sess.ContactID,
			ConversationID:        sess.ConversationID,
			CurrentModuleNickname: sess.ActionName,
			SessionStartedAt:      unixMilli(sess.StartedAt),
			LastInteractionAt:     unixMilli(sess.LastInteractionAt),
			State:                 hookSessionState,
			CustomState:           cloneRaw(sess.CustomState),
			Properties: hook.PropertyBags{
				Contact: hookProperties(t.Properties(action.ContactObject), now),
				Company: hookProperties(t.Properties(action.CompanyObject), now),
			},
		},
		CustomState: cloneRaw(sess.CustomState),
		Bot: hook.Bot{
			Nickname:                sess.FlowID,
			ChatflowID:              sess.FlowID,
			ConversationChannelType: sess.Channel,
		},
		Module: hook.Module{Nickname: sess.ActionName, ModuleType: moduleType},
	}
}

// hookUserMessage describes the visitor's input. A quick reply — clicked,
// or typed as the value or label of one the action offered — is sent as
// the one option chosen, with its label when known; the message of a click
// is the label, as the visitor saw it.
func hookUserMessage(in action.Input, offered []hook.Option) hook.UserMessage {
	m := hook.UserMessage{Message: in.Text}
	o, ok := chosenOption(in, offered)
	if !ok {
		if in.QuickReply == "" {
			return m
		}
		o = hook.Option{Value: in.QuickReply}
	}
	if o.Label == "" {
		o.Label = o.Value
	}
	if m.Message == "" {
		m.Message = o.Label
	}
	m.QuickReply = &hook.QuickReplies{QuickReplies: []hook.Option{o}}
	return m
}

// chosenOption finds the offered quick reply the input chose: clicked, or
// typed as its value or label (ignoring case).
func chosenOption(in action.Input, offered []hook.Option) (hook.Option, bool) {
	text := strings.TrimSpace(in.Text)
	for _, o := range offered {
		if in.QuickReply != "" {
			if o.Value == in.QuickReply {
				return o, true
			}
			continue
		}
		if text != "" && (strings.EqualFold(o.Value, text) || o.Label != "" && strings.EqualFold(o.Label, text)) {
			return o, true
		}
	}
	return hook.Option{}, false
}

// hookProperties converts properties for the request; the map is never nil
// so that it is sent as {} rather than null.
func hookProperties(props store.Properties, syncedAt int64) map[string]hook.Property {
	out := make(map[string]hook.Property, len(props))
	for k, v := range props {
		out[k] = hook.Property{Value: v, SyncedAt: syncedAt}
	}
	return out
}

// unixMilli returns t in Unix milliseconds, or 0 for the zero time.
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// cloneRaw copies a JSON value so that the callee cannot change the
// session's copy; empty stays nil so that it is omitted.
func cloneRaw(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return nil
	}
	return bytes.Clone(r)
}

// actionSet returns the flow's action names as a set.
func actionSet(p action.Provision) map[string]bool {
	names := p.ActionNames()
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}
