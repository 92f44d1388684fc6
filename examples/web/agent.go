package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chatflow/chatflow/engine"
)

// maxAgentReply bounds an agent's reply, in characters.
const maxAgentReply = 4000

// agentPage serves the agent console. Opening /agent?key=KEY with the key
// the server printed at start sets the agent cookie and drops the key from
// the address bar; without the cookie the console is refused.
func (a *app) agentPage(w http.ResponseWriter, r *http.Request) {
	if key := r.URL.Query().Get("key"); key != "" {
		if key != a.agentKey {
			http.Error(w, "wrong agent key", http.StatusForbidden)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: agentCookie, Value: a.agentKey, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		http.Redirect(w, r, "/agent", http.StatusSeeOther)
		return
	}
	if !a.isAgent(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("The agent console needs its key: open the /agent?key=… address the server printed when it started.\n"))
		return
	}
	a.render(w, "agent", pageData{Title: "Agent console", Agent: true})
}

// agentAPI checks the agent cookie of an API request.
func (a *app) agentAPI(w http.ResponseWriter, r *http.Request) bool {
	if !a.isAgent(r) {
		jsonError(w, http.StatusUnauthorized, "agents only")
		return false
	}
	return true
}

// agentList lists the handed-off conversations.
func (a *app) agentList(w http.ResponseWriter, r *http.Request) {
	if !a.agentAPI(w, r) {
		return
	}
	list, err := a.web.HandedOff(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": list})
}

// agentView is a conversation as the agent console shows it.
type agentView struct {
	ID      string        `json:"id"`
	FlowID  string        `json:"flowId"`
	Page    string        `json:"page"`
	Status  engine.Status `json:"status"`
	Entries []entry       `json:"entries"`
}

func (a *app) agentConversation(w http.ResponseWriter, r *http.Request) (conversation, bool) {
	if !a.agentAPI(w, r) {
		return conversation{}, false
	}
	c, err := a.web.Conversation(r.Context(), r.PathValue("id"))
	if errors.Is(err, errNotFound) {
		jsonError(w, http.StatusNotFound, "no such conversation")
		return c, false
	}
	if err != nil {
		a.fail(w, r, err)
		return c, false
	}
	return c, true
}

// agentMessages returns a conversation's transcript after ?after=N.
func (a *app) agentMessages(w http.ResponseWriter, r *http.Request) {
	c, ok := a.agentConversation(w, r)
	if !ok {
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	entries, err := a.web.Entries(r.Context(), c.ID, after)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agentView{ID: c.ID, FlowID: c.FlowID, Page: c.Page, Status: c.Prompt.Status, Entries: entries})
}

// agentReplyRequest is an agent's answer to a handed-off conversation.
type agentReplyRequest struct {
	Text  string `json:"text"`
	After int64  `json:"after"`
}

// agentReply adds an agent's answer to a handed-off conversation; the
// visitor's widget picks it up on its next poll.
func (a *app) agentReply(w http.ResponseWriter, r *http.Request) {
	c, req, ok := decodeFor[agentReplyRequest](w, r, a.agentConversation)
	if !ok {
		return
	}
	req.Text = strings.TrimSpace(req.Text)
	switch {
	case req.Text == "" || utf8.RuneCountInString(req.Text) > maxAgentReply || !utf8.ValidString(req.Text):
		jsonError(w, http.StatusBadRequest, "a reply is 1 to 4000 characters of UTF-8")
		return
	case c.Prompt.Status != engine.StatusHandedOff:
		jsonError(w, http.StatusConflict, "the conversation is not handed off to the team")
		return
	}
	if _, err := a.web.Record(r.Context(), c.ID, "", []entry{{From: fromAgent, Text: req.Text}}, nil); err != nil {
		a.fail(w, r, err)
		return
	}
	entries, err := a.web.Entries(r.Context(), c.ID, req.After)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agentView{ID: c.ID, FlowID: c.FlowID, Page: c.Page, Status: c.Prompt.Status, Entries: entries})
}
