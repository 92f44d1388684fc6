package engine

import "github.com/chatflow/chatflow/action/builtin"

// LiveChat returns the flow's live chat (its first live_chat action), for
// a host that shows the chat's availability before any conversation
// starts: LiveChat().Presence(ctx, now) says whether the widget shows the
// typical response time, an away message, the return time, a waiting
// message, or no launcher at all. ok is false for a flow without one.
func (f *Flow) LiveChat() (lc *builtin.LiveChat, ok bool) {
	for _, n := range f.nodes {
		if lc, ok := n.act.(*builtin.LiveChat); ok {
			return lc, true
		}
	}
	return nil, false
}
