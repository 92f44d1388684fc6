package main

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/targeting"
)

// flowView is what the widget needs to know about the chatflow of a page.
type flowView struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Welcome  string   `json:"welcome"` // the welcome prompt's text
	Heading  string   `json:"heading"`
	Avatar   string   `json:"avatar,omitempty"` // a path on this site
	Accent   string   `json:"accent,omitempty"`
	Behavior string   `json:"behavior"`
	Triggers triggers `json:"triggers"`
	OpenNow  bool     `json:"openNow"`
	Fragment string   `json:"fragment"`
}

type triggers struct {
	Seconds    int  `json:"seconds,omitempty"`
	Scroll     int  `json:"scroll,omitempty"`
	ExitIntent bool `json:"exitIntent,omitempty"`
}

// chatView is a conversation as the widget shows it.
type chatView struct {
	ID           string              `json:"id"`
	Entries      []entry             `json:"entries"`
	QuickReplies []action.QuickReply `json:"quickReplies"`
	FreeText     bool                `json:"freeText"`
	Status       engine.Status       `json:"status"`
	HandedOff    bool                `json:"handedOff"`
	Over         bool                `json:"over"`
	Consent      *consentView        `json:"consent,omitempty"`
	// Outcome and Rejected describe the message just sent.
	Outcome  engine.Outcome `json:"outcome,omitempty"`
	Rejected bool           `json:"rejected,omitempty"`
}

// consentView lists the consent texts still to show.
type consentView struct {
	Cookies       *cookieView     `json:"cookies,omitempty"`
	Processing    *processingView `json:"processing,omitempty"`
	Communication *commView       `json:"communication,omitempty"`
}

type cookieView struct {
	Text   string `json:"text"`
	Banner string `json:"banner"`
}

type processingView struct {
	Text      string `json:"text"`
	PolicyURL string `json:"policyUrl,omitempty"`
	// Required: the visitor must agree before chatting; Granted: they did.
	Required bool `json:"required"`
	Granted  bool `json:"granted"`
}

type commView struct {
	Label string `json:"label"`
}

// openFragment is the fragment that opens the chat at once.
const openFragment = targeting.DefaultOpenFragment

// chatConfig tells the widget which chatflow the page shows, how, and
// the browser's conversation with it, if any.
func (a *app) chatConfig(w http.ResponseWriter, r *http.Request) {
	page := r.URL.Query().Get("url")
	if page == "" || len(page) > maxURL {
		jsonError(w, http.StatusBadRequest, "url is required, at most 2048 bytes")
		return
	}
	dev := targeting.DeviceFromUserAgent(r.UserAgent())
	dec, err := targeting.Select(r.Context(), a.cands, targeting.Request{
		View:    targeting.PageView{URL: page, Device: dev},
		Visitor: a.visitorFunc(r), Available: a.available, OpenFragment: openFragment,
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := struct {
		Flow         *flowView `json:"flow"`
		Conversation *chatView `json:"conversation"`
	}{}
	shown := dec.Shown()
	if shown != nil {
		f := a.byID[shown.ID]
		out.Flow = a.flowView(f, dev, dec.OpenNow)
		if owner := visitorOwner(r); owner != "" {
			c, err := a.web.Latest(r.Context(), owner, f.ID())
			switch {
			case errors.Is(err, errNotFound):
			case err != nil:
				a.fail(w, r, err)
				return
			default:
				if out.Conversation, err = a.view(r.Context(), c, 0); err != nil {
					a.fail(w, r, err)
					return
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// available is the targeting package's view of the engine's availability
// callback.
func (a *app) available(ctx context.Context, flowID string) (bool, error) {
	now := time.Now()
	if a.opts.Clock != nil {
		now = a.opts.Clock()
	}
	if a.engAvailable == nil {
		return true, nil
	}
	return a.engAvailable(ctx, flowID, now)
}

// flowView describes a flow's display settings for a device.
func (a *app) flowView(f *engine.Flow, dev targeting.Device, openNow bool) *flowView {
	v := &flowView{ID: f.ID(), Name: f.Name(), Heading: f.Name(), OpenNow: openNow, Fragment: openFragment,
		Behavior: targeting.BehaviorPopMessage}
	for _, b := range f.Definition().Welcome.Message {
		if b.Type == "" || b.Type == action.TextBubble {
			if !strings.Contains(b.Text, "{{") {
				v.Welcome = b.Text
			}
			break
		}
	}
	if v.Welcome == "" {
		v.Welcome = "Chat with us"
	}
	d := f.Display()
	if d == nil {
		return v
	}
	v.Behavior = d.Behavior(dev)
	switch d.Heading.Type {
	case targeting.HeadingUsers:
		v.Heading = strings.Join(d.Heading.ShownUsers(rand.IntN), ", ")
	case targeting.HeadingContactOwner:
		v.Heading = d.Heading.FallbackUserID
	default:
		if d.Heading.Name != "" {
			v.Heading = d.Heading.Name
		}
	}
	if d.BrandingAlias != "" {
		v.Heading = d.BrandingAlias
	}
	// Only pictures on this site: the page must fetch nothing from
	// elsewhere, and the Content Security Policy would block it anyway.
	base := strings.TrimSuffix(a.opts.BaseURL, "/")
	if p, ok := strings.CutPrefix(d.Heading.AvatarURL, base+"/static/"); ok {
		v.Avatar = "/static/" + p
	}
	v.Accent = d.AccentColor
	v.Triggers = triggers{Seconds: d.Triggers.TimeOnPageSeconds, Scroll: d.Triggers.ScrollPercent, ExitIntent: d.Triggers.ExitIntent}
	return v
}

// startRequest starts a conversation with a page's chatflow.
type startRequest struct {
	FlowID string `json:"flowId"`
	URL    string `json:"url"`
}

func (a *app) startConversation(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if !readJSON(w, r, &req) {
		return
	}
	f, ok := a.byID[req.FlowID]
	if !ok || len(req.URL) > maxURL {
		jsonError(w, http.StatusBadRequest, "unknown chatflow")
		return
	}
	token := ""
	if c, err := r.Cookie(visitorCookie); err == nil && visitorOwner(r) != "" {
		token = c.Value
	} else {
		token = randomToken(32)
		// Until the visitor accepts chat cookies the cookie lasts the
		// browser session; a chatflow that does not ask keeps it.
		setVisitorCookie(w, r, token, !f.ConsentPolicy().CookiesEnabled)
	}
	id := "c_" + randomToken(16)
	page := map[string]string{}
	if u, err := url.Parse(req.URL); err == nil {
		page["url"], page["path"] = req.URL, u.Path
	}
	reply, err := a.eng.Start(r.Context(), engine.StartRequest{ConversationID: id, FlowID: f.ID(), Channel: "chat",
		Page: page, Visitor: map[string]string{"device": string(targeting.DeviceFromUserAgent(r.UserAgent()))}})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c := conversation{ID: id, Owner: ownerOf(token), FlowID: f.ID(), Page: truncateText(req.URL, 300), Prompt: promptOf(reply)}
	if err := a.web.Create(r.Context(), c, botEntries(reply, false)); err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.view(r.Context(), c, 0)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// messageRequest is a visitor's message: typed text or a quick reply's
// value. After is the last transcript entry the widget has: the answer
// holds everything after it.
type messageRequest struct {
	MessageID  string `json:"messageId"`
	Text       string `json:"text"`
	QuickReply string `json:"quickReply"`
	After      int64  `json:"after"`
}

func (a *app) sendMessage(w http.ResponseWriter, r *http.Request) {
	c, req, ok := decodeFor[messageRequest](w, r, a.owned)
	if !ok {
		return
	}
	switch {
	case req.MessageID == "" || len(req.MessageID) > maxMessageID:
		jsonError(w, http.StatusBadRequest, "messageId is required, at most 64 bytes")
		return
	case (req.Text == "") == (req.QuickReply == ""):
		jsonError(w, http.StatusBadRequest, "send either text or a quick reply")
		return
	case !utf8.ValidString(req.Text) || !utf8.ValidString(req.QuickReply):
		jsonError(w, http.StatusBadRequest, "text must be UTF-8")
		return
	}
	reply, err := a.eng.Handle(r.Context(), engine.Input{ConversationID: c.ID, MessageID: "web:" + req.MessageID,
		Text: req.Text, QuickReply: req.QuickReply})
	if errors.Is(err, engine.ErrInvalidInput) {
		jsonError(w, http.StatusBadRequest, "this message cannot be sent: "+strings.TrimPrefix(err.Error(), "engine: invalid input: "))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	said := entry{From: fromVisitor, Text: req.Text}
	if req.QuickReply != "" {
		said.Text = req.QuickReply
		for _, q := range c.Prompt.QuickReplies {
			if q.Value == req.QuickReply {
				said.Text = q.Text()
			}
		}
	}
	var rejected bool
	switch reply.Outcome {
	case engine.OutcomeConsentRequired:
		// Not processed, and nothing of it stored: the visitor has not
		// agreed to the processing of their data.
		v, err := a.view(r.Context(), c, req.After)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		v.Outcome = reply.Outcome
		writeJSON(w, http.StatusConflict, v)
		return
	case engine.OutcomeConversationOver:
		// The bot is done: the message goes to the inbox, which here is
		// the agent console for handed-off conversations.
		entries := []entry{said}
		if reply.Status != engine.StatusHandedOff {
			entries = append(entries, entry{From: fromNote, Text: "This conversation has ended. Start a new chat to talk to us again."})
		}
		_, err = a.web.Record(r.Context(), c.ID, req.MessageID, entries, nil)
	default: // processed, or a duplicate the store may not have yet
		rejected = answerRejected(reply)
		p := promptOf(reply)
		_, err = a.web.Record(r.Context(), c.ID, req.MessageID, append([]entry{said}, botEntries(reply, rejected)...), &p)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.answer(w, r, c.ID, req.After, func(v *chatView) { v.Outcome, v.Rejected = reply.Outcome, rejected })
}

// answer re-reads a conversation the request changed and answers with
// its view: the transcript after seq after, and what comes next.
func (a *app) answer(w http.ResponseWriter, r *http.Request, id string, after int64, decorate func(*chatView)) {
	c, err := a.web.Conversation(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.view(r.Context(), c, after)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if decorate != nil {
		decorate(v)
	}
	writeJSON(w, http.StatusOK, v)
}

// decodeFor loads the conversation of the path with load, which answers
// the errors itself, then decodes the JSON body into a T.
func decodeFor[T any](w http.ResponseWriter, r *http.Request, load func(http.ResponseWriter, *http.Request) (conversation, bool)) (conversation, T, bool) {
	var req T
	c, ok := load(w, r)
	if !ok || !readJSON(w, r, &req) {
		return c, req, false
	}
	return c, req, true
}

// consentRequest is the visitor's answer to the cookie banner, the
// processing consent prompt or the subscription checkbox.
type consentRequest struct {
	Kind   consent.Kind   `json:"kind"`
	Choice consent.Choice `json:"choice"`
	After  int64          `json:"after"`
}

func (a *app) giveConsent(w http.ResponseWriter, r *http.Request) {
	c, req, ok := decodeFor[consentRequest](w, r, a.owned)
	if !ok {
		return
	}
	switch {
	case req.Kind != consent.Cookies && req.Kind != consent.DataProcessing && req.Kind != consent.Communication:
		jsonError(w, http.StatusBadRequest, "unknown kind of consent")
		return
	case req.Choice != consent.Granted && req.Choice != consent.Refused && req.Choice != consent.Withdrawn:
		jsonError(w, http.StatusBadRequest, "unknown choice")
		return
	}
	reply, err := a.eng.Consent(r.Context(), engine.ConsentDecision{ConversationID: c.ID, Kind: req.Kind, Choice: req.Choice})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Kind == consent.Cookies {
		if ck, err := r.Cookie(visitorCookie); err == nil {
			setVisitorCookie(w, r, ck.Value, req.Choice == consent.Granted)
		}
	}
	entries := botEntries(reply, false)
	var p *prompt
	if reply.Status.Over() && !c.Prompt.Status.Over() {
		p = &prompt{Status: reply.Status, Handoff: reply.Handoff}
		entries = append(entries, entry{From: fromNote, Text: "This conversation has ended."})
	}
	if len(entries) > 0 || p != nil {
		if _, err := a.web.Record(r.Context(), c.ID, "", entries, p); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	a.answer(w, r, c.ID, req.After, nil)
}

// pollConversation returns the transcript after ?after=N: how the widget
// receives an agent's replies.
func (a *app) pollConversation(w http.ResponseWriter, r *http.Request) {
	c, ok := a.owned(w, r)
	if !ok {
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	v, err := a.view(r.Context(), c, after)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// owned loads the conversation of the path and checks that the request's
// browser started it; otherwise it answers 404, saying no more about
// whether the conversation exists.
func (a *app) owned(w http.ResponseWriter, r *http.Request) (conversation, bool) {
	id := r.PathValue("id")
	if len(id) > engine.MaxIDLength {
		jsonError(w, http.StatusNotFound, "no such conversation")
		return conversation{}, false
	}
	c, err := a.web.Conversation(r.Context(), id)
	if errors.Is(err, errNotFound) || (err == nil && !owns(r, c)) {
		jsonError(w, http.StatusNotFound, "no such conversation")
		return conversation{}, false
	}
	if err != nil {
		a.fail(w, r, err)
		return conversation{}, false
	}
	return c, true
}

// view builds the widget's view of a conversation: the transcript after
// seq after, what the visitor may do next, and the consent still to ask.
func (a *app) view(ctx context.Context, c conversation, after int64) (*chatView, error) {
	entries, err := a.web.Entries(ctx, c.ID, after)
	if err != nil {
		return nil, err
	}
	v := &chatView{ID: c.ID, Entries: entries, QuickReplies: c.Prompt.QuickReplies, FreeText: c.Prompt.FreeText,
		Status: c.Prompt.Status, HandedOff: c.Prompt.Status == engine.StatusHandedOff, Over: c.Prompt.Status.Over()}
	if v.QuickReplies == nil {
		v.QuickReplies = []action.QuickReply{}
	}
	if v.Status == engine.StatusWelcome {
		v.FreeText = true // the first message may be typed
	}
	if v.HandedOff {
		v.FreeText = true // messages go to the team
	}
	s, err := a.eng.Session(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	f, err := a.eng.Flow(s.FlowID, s.FlowVersion)
	if err != nil {
		return nil, err
	}
	v.Consent = consentOf(f.ConsentPolicy(), s, v.Over)
	return v, nil
}

// consentOf lists what the widget still has to ask, from the flow's
// policy and the visitor's decisions in the session.
func consentOf(p consent.Effective, s *engine.Session, over bool) *consentView {
	var st engine.ConsentState
	if s.Consent != nil {
		st = *s.Consent
	}
	cv := &consentView{}
	if p.CookiesEnabled && st.Cookies == "" && !s.Identified {
		cv.Cookies = &cookieView{Text: p.CookieText, Banner: string(p.Banner)}
	}
	if p.ProcessingEnabled {
		cv.Processing = &processingView{Text: p.ProcessingText, PolicyURL: p.PrivacyPolicyURL,
			Required: p.Basis == consent.ExplicitConsent, Granted: st.Processing == consent.Granted}
	}
	if p.Communication && st.Subscribe == "" && !over {
		cv.Communication = &commView{Label: p.CheckboxLabel}
	}
	return cv
}

// promptOf is what the visitor may do after a reply.
func promptOf(r *engine.Reply) prompt {
	return prompt{QuickReplies: r.QuickReplies, FreeText: r.FreeText, Status: r.Status, Handoff: r.Handoff}
}

// answerRejected reports a reply to an answer the waiting action did not
// accept: its messages are the action's error message.
func answerRejected(r *engine.Reply) bool {
	for _, e := range r.Events {
		if e.Type == builtin.EventAnswerRejected && e.Action == r.Awaiting {
			return true
		}
	}
	return false
}

// botEntries turns a reply's messages into transcript entries.
func botEntries(r *engine.Reply, rejected bool) []entry {
	out := make([]entry, 0, len(r.Messages))
	for _, m := range r.Messages {
		out = append(out, entry{From: fromBot, Text: m.Text, Type: string(m.Type), URL: m.URL, Name: m.Name,
			DelayMS: m.Delay.Milliseconds(), Error: rejected})
	}
	return out
}

// readJSON decodes a JSON request body of at most maxBody bytes, from
// this site only; it answers the error itself and reports false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if !sameOrigin(r) {
		jsonError(w, http.StatusForbidden, "cross-site request refused")
		return false
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		jsonError(w, http.StatusUnsupportedMediaType, "send application/json")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonError(w, http.StatusRequestEntityTooLarge, "request too large")
		} else {
			jsonError(w, http.StatusBadRequest, "bad JSON")
		}
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// fail logs an unexpected error and answers 500 without its details.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	jsonError(w, http.StatusInternalServerError, "something went wrong; please try again")
}

// truncateText shortens s to at most n bytes on a rune boundary.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
