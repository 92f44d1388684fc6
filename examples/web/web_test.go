package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// monday10 is a time within the support team's office hours, so that
// handoffs reach an available team member whatever the real clock says.
var monday10 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.FixedZone("CET", 3600))

// testOptions returns options on a fresh database in dir.
func testOptions(dir, base string) options {
	return options{DBPath: filepath.Join(dir, "web.db"), BaseURL: base, AgentKey: "agent-key",
		Clock: func() time.Time { return monday10 }, Log: slog.New(slog.DiscardHandler)}
}

// site is the web example served by httptest, and a browser-like client
// with its own cookie jar.
type site struct {
	t   *testing.T
	app *app
	srv *httptest.Server
}

func newSite(t *testing.T, mod ...func(*options)) *site {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	opts := testOptions(t.TempDir(), srv.URL)
	for _, m := range mod {
		m(&opts)
	}
	a, err := newApp(context.Background(), opts)
	require.NoError(t, err)
	srv.Config.Handler = a
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &site{t: t, app: a, srv: srv}
}

// visitor is one browser: a client with a cookie jar.
type visitor struct {
	s      *site
	client *http.Client
}

func (s *site) visitor() *visitor {
	jar, err := cookiejar.New(nil)
	require.NoError(s.t, err)
	return &visitor{s: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// do sends a request like the widget does (same origin, JSON) and decodes
// a JSON answer into out, if given.
func (v *visitor) do(method, path string, body any, out any, hdr ...string) *http.Response {
	v.s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(v.s.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, v.s.srv.URL+path, rd)
	require.NoError(v.s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", v.s.srv.URL)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := v.client.Do(req)
	require.NoError(v.s.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(v.s.t, err)
	if out != nil {
		require.NoError(v.s.t, json.Unmarshal(data, out), "%s %s: %s", method, path, data)
	}
	return res
}

type configResponse struct {
	Flow         *flowView `json:"flow"`
	Conversation *chatView `json:"conversation"`
}

func (v *visitor) config(page string, hdr ...string) configResponse {
	var c configResponse
	res := v.do("GET", "/api/chat?url="+url.QueryEscape(v.s.srv.URL+page), nil, &c, hdr...)
	require.Equal(v.s.t, http.StatusOK, res.StatusCode)
	return c
}

func (v *visitor) start(flowID string) *chatView {
	v.s.t.Helper()
	var c chatView
	res := v.do("POST", "/api/conversations", startRequest{FlowID: flowID, URL: v.s.srv.URL + "/"}, &c)
	require.Equal(v.s.t, http.StatusCreated, res.StatusCode)
	return &c
}

var msgSeq atomic.Int64

func nextMessageID() string { return "m" + strconv.FormatInt(msgSeq.Add(1), 10) }

func (v *visitor) say(conv, text string) (*chatView, int) {
	var c chatView
	res := v.do("POST", "/api/conversations/"+conv+"/messages", messageRequest{MessageID: nextMessageID(), Text: text}, &c)
	return &c, res.StatusCode
}

func (v *visitor) click(conv, value string) (*chatView, int) {
	var c chatView
	res := v.do("POST", "/api/conversations/"+conv+"/messages", messageRequest{MessageID: nextMessageID(), QuickReply: value}, &c)
	return &c, res.StatusCode
}

func texts(es []entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.From+": "+e.Text)
	}
	return out
}

func TestTargetingChoosesTheFlowOfEachPage(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	for page, want := range map[string]string{
		"/":                                    "concierge",
		"/pricing":                             "qualify-leads",
		"/pricing/":                            "qualify-leads",
		"/blog/chatbots-101":                   "knowledge-base-support",
		"/blog/office-hours?utm_campaign=demo": "meetings",
		"/support":                             "tickets",
		"/contact":                             "offline",
		"/privacy":                             "",
		"/privacy?utm_campaign=demo":           "",
	} {
		c := v.config(page)
		if want == "" {
			assert.Nil(t, c.Flow, page)
			continue
		}
		if assert.NotNil(t, c.Flow, page) {
			assert.Equal(t, want, c.Flow.ID, page)
		}
	}
}

func TestDisplaySettingsReachTheWidget(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	f := v.config("/pricing").Flow
	require.NotNil(t, f)
	assert.Equal(t, "Sales team", f.Heading)
	assert.Equal(t, "/static/avatars/sales.svg", f.Avatar, "an avatar on this site becomes a path")
	assert.Equal(t, "#c0392b", f.Accent)
	assert.Equal(t, "pop_message", f.Behavior)
	assert.Equal(t, triggers{Seconds: 4, ExitIntent: true}, f.Triggers)
	assert.False(t, f.OpenNow)

	mobile := v.config("/pricing", "User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
	assert.Equal(t, "launcher_only", mobile.Flow.Behavior, "mobile behaviour")

	assert.True(t, v.config("/pricing#hs-chat-open").Flow.OpenNow)
	blog := v.config("/blog/chatbots-101").Flow
	assert.Equal(t, "open_chat", blog.Behavior)
	assert.Equal(t, 50, blog.Triggers.Scroll)
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	for _, path := range []string{"/", "/pricing", "/privacy", "/flows", "/flows/concierge.svg", "/static/widget.js", "/api/chat?url=x", "/agent", "/nope"} {
		res := v.do("GET", path, nil, nil)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", path)
		assert.Contains(t, csp, "frame-ancestors 'none'", path)
		assert.Contains(t, csp, "default-src 'none'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.NotContains(t, csp, "unsafe-eval", path)
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "DENY", h.Get("X-Frame-Options"), path)
		assert.Equal(t, "same-origin", h.Get("Referrer-Policy"), path)
	}
}

// The pages hold no inline script, event handler or style attribute, so
// the strict CSP costs nothing; the scripts never write HTML.
func TestNoInlineScriptAndNoHTMLFromScripts(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	style := regexp.MustCompile(`(?i)<style|\sstyle\s*=`)
	for _, path := range []string{"/", "/pricing", "/blog/chatbots-101", "/support", "/contact", "/privacy", "/flows"} {
		res, err := v.client.Get(s.srv.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.NotRegexp(t, inlineScript, string(body), path)
		assert.NotRegexp(t, handler, string(body), path)
		assert.NotRegexp(t, style, string(body), path)
		assert.NotContains(t, string(body), "http://", path+" fetches nothing from elsewhere")
		assert.NotContains(t, string(body), "https://", path+" fetches nothing from elsewhere")
	}
	scripts, err := fs.Glob(staticFiles, "static/*.js")
	require.NoError(t, err)
	require.NotEmpty(t, scripts)
	for _, name := range scripts {
		src, err := fs.ReadFile(staticFiles, name)
		require.NoError(t, err)
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			assert.NotContains(t, string(src), bad, name)
		}
	}
}

// Bot and visitor texts travel as JSON strings, never as markup: the API
// answers application/json (with nosniff), and what a visitor typed comes
// back as the same characters.
func TestTextsTravelAsJSONText(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	c := v.start("concierge")
	hostile := `<img src=x onerror="alert(1)">`
	got, code := v.say(c.ID, hostile)
	require.Equal(t, http.StatusOK, code)
	require.NotEmpty(t, got.Entries)
	assert.Contains(t, texts(got.Entries), "visitor: "+hostile)

	req, _ := http.NewRequest("GET", s.srv.URL+"/api/conversations/"+c.ID+"/messages", nil)
	res, err := v.client.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
	assert.NotContains(t, string(raw), "<img", "the JSON encoder escapes < and >")
}

func TestAConversationBelongsToTheBrowserThatStartedIt(t *testing.T) {
	s := newSite(t)
	owner, other, stranger := s.visitor(), s.visitor(), s.visitor()
	c := owner.start("concierge")
	other.start("concierge") // a browser with a cookie of its own

	for _, v := range []*visitor{other, stranger} {
		_, code := v.say(c.ID, "hello")
		assert.Equal(t, http.StatusNotFound, code)
		res := v.do("GET", "/api/conversations/"+c.ID+"/messages", nil, nil)
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		res = v.do("POST", "/api/conversations/"+c.ID+"/consent", consentRequest{Kind: "cookies", Choice: "granted"}, nil)
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		cfg := v.config("/")
		if cfg.Conversation != nil {
			assert.NotEqual(t, c.ID, cfg.Conversation.ID)
		}
	}
	_, code := owner.say(c.ID, "hello")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, c.ID, owner.config("/").Conversation.ID, "the owner's browser resumes it")
}

func TestVisitorCookie(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	req, _ := json.Marshal(startRequest{FlowID: "qualify-leads", URL: s.srv.URL + "/pricing"})
	post := func(path string, body []byte) *http.Response {
		r, _ := http.NewRequest("POST", s.srv.URL+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		res, err := v.client.Do(r)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	res := post("/api/conversations", req)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	ck := findCookie(res, visitorCookie)
	require.NotNil(t, ck)
	assert.True(t, ck.HttpOnly, "scripts never see the cookie")
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	assert.Equal(t, "/", ck.Path)
	assert.Zero(t, ck.MaxAge, "a session cookie until the visitor accepts chat cookies")
	assert.GreaterOrEqual(t, len(ck.Value), 40, "a random token")

	cfg := v.config("/pricing")
	require.NotNil(t, cfg.Conversation)
	c := *cfg.Conversation
	require.NotNil(t, c.Consent.Cookies, "the banner is still to answer")
	body, _ := json.Marshal(consentRequest{Kind: "cookies", Choice: "granted"})
	res = post("/api/conversations/"+c.ID+"/consent", body)
	require.Equal(t, http.StatusOK, res.StatusCode)
	ck2 := findCookie(res, visitorCookie)
	require.NotNil(t, ck2)
	assert.Equal(t, ck.Value, ck2.Value)
	assert.Equal(t, int(cookieMaxAge/time.Second), ck2.MaxAge, "accepted: the cookie outlives the browser session")
	assert.Nil(t, v.config("/pricing").Conversation.Consent.Cookies, "the banner is answered")
}

func findCookie(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestRequestLimits(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	c := v.start("concierge")
	big := strings.Repeat("x", maxBody+1)
	res := v.do("POST", "/api/conversations/"+c.ID+"/messages", messageRequest{MessageID: "big", Text: big}, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)

	long := strings.Repeat("y", 3000) // within the body limit, over the flow's maxAnswerLength
	var e map[string]string
	res = v.do("POST", "/api/conversations/"+c.ID+"/messages", messageRequest{MessageID: "long", Text: long}, &e)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, e["error"], "cannot be sent")

	res = v.do("GET", "/api/chat?url="+strings.Repeat("z", maxURL+1), nil, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res = v.do("POST", "/api/conversations/"+c.ID+"/messages", messageRequest{MessageID: strings.Repeat("m", 65), Text: "hi"}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res = v.do("POST", "/api/conversations/"+c.ID+"/messages", map[string]any{"messageId": "x", "text": "hi", "admin": true}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "unknown fields are refused")
}

func TestCrossSiteRequestsAreRefused(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	c := v.start("concierge")
	body := messageRequest{MessageID: "x1", Text: "hi"}
	res := v.do("POST", "/api/conversations/"+c.ID+"/messages", body, nil, "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	res = v.do("POST", "/api/conversations/"+c.ID+"/messages", body, nil, "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	res = v.do("POST", "/api/conversations/"+c.ID+"/messages", body, nil, "Content-Type", "text/plain")
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "a form post cannot reach the API")
	_, code := v.say(c.ID, "hi")
	assert.Equal(t, http.StatusOK, code)
}

func TestRateLimitPerClient(t *testing.T) {
	s := newSite(t, func(o *options) { o.RateBurst, o.RateInterval = 3, time.Hour })
	v := s.visitor()
	for range 3 {
		assert.Equal(t, http.StatusOK, v.do("GET", "/api/chat?url=x", nil, nil).StatusCode)
	}
	res := v.do("GET", "/api/chat?url=x", nil, nil)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "1", res.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, v.do("GET", "/pricing", nil, nil).StatusCode, "pages are not limited")
}

func TestLimiterRefillsAndForgets(t *testing.T) {
	l := newLimiter(2, time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := t0
	l.now = func() time.Time { return clock }
	assert.True(t, l.Allow("a"))
	assert.True(t, l.Allow("a"))
	assert.False(t, l.Allow("a"))
	assert.True(t, l.Allow("b"), "each client has its own bucket")
	clock = t0.Add(time.Second)
	assert.True(t, l.Allow("a"), "one token back after one interval")
	assert.False(t, l.Allow("a"))
	clock = t0.Add(time.Hour)
	l.sweep(clock)
	assert.Empty(t, l.buckets, "full buckets are dropped")
}

func TestConsentPromptBlocksMessagesUntilAccepted(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	c := v.start("qualify-leads")
	require.NotNil(t, c.Consent.Processing)
	assert.True(t, c.Consent.Processing.Required)
	assert.False(t, c.Consent.Processing.Granted)

	got, code := v.say(c.ID, "Ada")
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, engine.OutcomeConsentRequired, got.Outcome)
	assert.Len(t, got.Entries, 1, "only the welcome message: nothing of the visitor is stored")

	res := v.do("POST", "/api/conversations/"+c.ID+"/consent", consentRequest{Kind: "data_processing", Choice: "granted"}, &got)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.True(t, got.Consent.Processing.Granted)
	got, code = v.click(c.ID, "yes")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, []string{"bot: Hi there! 👋 Want to find out how we can help your business?", "visitor: Yes, let's go", "bot: Great! What's your first name?"}, texts(got.Entries))
}

func TestLeadConversationWithARejectedEmail(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	c := v.start("qualify-leads")
	v.do("POST", "/api/conversations/"+c.ID+"/consent", consentRequest{Kind: "data_processing", Choice: "granted"}, nil)
	v.click(c.ID, "yes")
	v.say(c.ID, "Ada")
	got, _ := v.say(c.ID, "ada-at-example")
	assert.True(t, got.Rejected)
	last := got.Entries[len(got.Entries)-1]
	assert.True(t, last.Error, "the error message is marked as a validation error")
	assert.Contains(t, last.Text, "doesn't look like an email")
	got, _ = v.say(c.ID, "ada@example.com")
	assert.False(t, got.Rejected)
	assert.False(t, got.FreeText, "company size takes quick replies only")
	assert.Len(t, got.QuickReplies, 4)
	got, _ = v.click(c.ID, "201+")
	assert.Equal(t, engine.StatusFinished, got.Status)
	assert.True(t, got.Over)
	all := texts(got.Entries)
	assert.Contains(t, all, "visitor: More than 200")
	assert.Contains(t, all, "bot: Thanks, Ada! A sales representative will email ada@example.com within one business day.")
}

func TestHandoffReachesTheAgentAndBack(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	c := v.start("concierge")
	got, code := v.click(c.ID, "team")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, engine.StatusHandedOff, got.Status)
	assert.True(t, got.HandedOff)
	assert.True(t, got.FreeText, "the visitor writes on, to the team")
	got, code = v.say(c.ID, "Are you there?")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, engine.OutcomeConversationOver, got.Outcome)

	agent := s.visitor()
	assert.Equal(t, http.StatusUnauthorized, agent.do("GET", "/api/agent/conversations", nil, nil).StatusCode)
	assert.Equal(t, http.StatusUnauthorized, agent.do("GET", "/agent", nil, nil).StatusCode)
	assert.Equal(t, http.StatusForbidden, agent.do("GET", "/agent?key=wrong", nil, nil).StatusCode)
	res := agent.do("GET", "/agent?key=agent-key", nil, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	ck := findCookie(res, agentCookie)
	require.NotNil(t, ck)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.StatusOK, agent.do("GET", "/agent", nil, nil).StatusCode)
	assert.Equal(t, http.StatusUnauthorized, v.do("GET", "/api/agent/conversations", nil, nil).StatusCode, "visitors are not agents")

	var list struct{ Conversations []summary }
	agent.do("GET", "/api/agent/conversations", nil, &list)
	require.Len(t, list.Conversations, 1)
	assert.Equal(t, c.ID, list.Conversations[0].ID)
	assert.True(t, list.Conversations[0].Waiting)
	assert.Equal(t, "Are you there?", list.Conversations[0].Last)

	res = agent.do("POST", "/api/agent/conversations/"+c.ID+"/messages", agentReplyRequest{Text: "Hi, this is Ana. <b>How can I help?</b>"}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var polled chatView
	v.do("GET", "/api/conversations/"+c.ID+"/messages?after=0", nil, &polled)
	assert.Contains(t, texts(polled.Entries), "agent: Hi, this is Ana. <b>How can I help?</b>")

	other := v.start("qualify-leads")
	res = agent.do("POST", "/api/agent/conversations/"+other.ID+"/messages", agentReplyRequest{Text: "hello"}, nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "only handed-off conversations take agent replies")
}

func TestARestartResumesTheConversation(t *testing.T) {
	dir := t.TempDir()
	srv := httptest.NewServer(nil)
	defer srv.Close()
	a1, err := newApp(context.Background(), testOptions(dir, srv.URL))
	require.NoError(t, err)
	srv.Config.Handler = a1
	s := &site{t: t, app: a1, srv: srv}
	v := s.visitor()
	c := v.start("concierge")
	v.click(c.ID, "answer")
	require.NoError(t, a1.Close())

	a2, err := newApp(context.Background(), testOptions(dir, srv.URL))
	require.NoError(t, err)
	defer a2.Close()
	srv.Config.Handler = a2
	cfg := v.config("/")
	require.NotNil(t, cfg.Conversation)
	assert.Equal(t, c.ID, cfg.Conversation.ID)
	assert.Equal(t, []string{"bot: Hi! What brings you here today?", "visitor: Find an answer", "bot: Sure — what's your question?"}, texts(cfg.Conversation.Entries))
	got, code := v.say(c.ID, "how do I reset my password")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, texts(got.Entries), "bot: Reset your password")
}

func TestFlowPictures(t *testing.T) {
	s := newSite(t)
	v := s.visitor()
	res, err := v.client.Get(s.srv.URL + "/flows/qualify-leads.svg")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "image/svg+xml", res.Header.Get("Content-Type"))
	for _, a := range []string{"ask_name", "ask_email", "ask_size", "no_email"} {
		assert.Contains(t, string(body), a)
	}
	assert.Equal(t, http.StatusNotFound, v.do("GET", "/flows/nope.svg", nil, nil).StatusCode)
	res, err = v.client.Get(s.srv.URL + "/flows")
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	for _, id := range []string{"concierge", "qualify-leads", "meetings", "tickets", "offline", "knowledge-base-support"} {
		assert.Contains(t, string(body), `src="/flows/`+id+`.svg"`)
	}
	assert.Contains(t, string(body), "flowchart TD")
}
