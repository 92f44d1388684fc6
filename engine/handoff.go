package engine

import "github.com/chatflow/chatflow/action"

// loadOwnSettings checks the flow settings of survey.go and this file.
func (l *loader) loadOwnSettings() {
	l.loadSurvey()
	if err := l.f.def.Inbox.Check(); err != nil {
		l.fail("inbox", "", err.Error(), nil)
	}
}

// Inbox returns the inbox or help desk the flow hands conversations to,
// nil when the flow names none. The value is the caller's.
func (f *Flow) Inbox() *action.Inbox {
	if f.def.Inbox == nil {
		return nil
	}
	in := *f.def.Inbox
	return &in
}

// routeInbox gives a handoff that names no inbox the flow's.
func (t *turn) routeInbox(r *Reply) {
	if r.Handoff == nil || r.Handoff.Inbox != nil || t.flow.def.Inbox == nil {
		return
	}
	h := *r.Handoff
	h.Inbox = t.flow.Inbox()
	r.Handoff = &h
}
