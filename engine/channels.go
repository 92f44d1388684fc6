package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatflow/chatflow/action"
)

// The channels of HubSpot's conversations inbox (SPEC §10), as
// StartRequest.Channel and a flow's "channels" name them. A host may use
// other names too, once it gives them a rule in Config.Channels.
const (
	// ChannelChat is the website chat widget; an empty StartRequest.Channel
	// counts as this channel.
	ChannelChat = "chat"
	// ChannelMessenger is Facebook Messenger.
	ChannelMessenger = "facebook_messenger"
	// ChannelWhatsApp is WhatsApp.
	ChannelWhatsApp = "whatsapp"
	// ChannelEmail is team email.
	ChannelEmail = "email"
	// ChannelForms is form submissions.
	ChannelForms = "forms"
	// ChannelCalling is calling.
	ChannelCalling = "calling"
)

// standardChannels are the channels every engine knows.
var standardChannels = []string{ChannelChat, ChannelMessenger, ChannelWhatsApp, ChannelEmail, ChannelForms, ChannelCalling}

// ChannelRule is what a channel's platform lets a business send after the
// visitor's last message (SPEC §10 and §14). The zero ChannelRule sets no
// limit. It is plain data: a host adds or replaces rules in
// Config.Channels.
type ChannelRule struct {
	// AutomatedWindow is how long after the visitor's last message the bot
	// may send automated messages; 0 means no limit.
	AutomatedWindow time.Duration
	// HumanWindow is how long after the visitor's last message a person
	// may still reply; 0 means no limit. The engine sends no human replies:
	// it reports the window (MessagingWindow.HumanUntil) so that the host's
	// inbox can.
	HumanWindow time.Duration
}

// DefaultChannelRules returns the rules an engine applies unless
// Config.Channels replaces them: Facebook Messenger allows automated
// messages within 24 hours of the visitor's last message and human replies
// for 7 days (its "human agent" tag); WhatsApp's customer-service window is
// 24 hours for both. Other channels have no limit. The map is the caller's.
func DefaultChannelRules() map[string]ChannelRule {
	return map[string]ChannelRule{
		ChannelMessenger: {AutomatedWindow: 24 * time.Hour, HumanWindow: 7 * 24 * time.Hour},
		ChannelWhatsApp:  {AutomatedWindow: 24 * time.Hour, HumanWindow: 24 * time.Hour},
	}
}

// ErrChannelNotServed reports a conversation started on a channel that its
// flow does not serve (the flow's "channels").
var ErrChannelNotServed = errors.New("engine: the flow does not serve this channel")

// OutcomeOutsideWindow: the channel allows no automated message now (the
// visitor's last message is older than its ChannelRule.AutomatedWindow), so
// the bot sent nothing. For a visitor's message or a host signal that
// arrives after the window closed, the turn did not run and nothing
// changed: the host routes the input to a person. For a turn whose reply
// was only ready after the window closed (a long step), the turn was kept
// but its messages were withheld. Either way the reply carries an
// EventOutsideWindow saying why and until when a person may still reply.
const OutcomeOutsideWindow Outcome = "outside_messaging_window"

// EventOutsideWindow reports automated messages the channel does not allow
// now. Reason says when the window closed; Value is the time until which a
// person may still reply (RFC 3339), empty when there is no limit.
const EventOutsideWindow action.EventType = "outside_messaging_window"

// MessagingWindow is what a conversation's channel allows, reckoned from
// the visitor's last message.
type MessagingWindow struct {
	// Channel is the conversation's channel (ChannelChat when the host
	// gave none).
	Channel string
	// LastVisitorMessage is when the visitor last wrote (or started the
	// conversation).
	LastVisitorMessage time.Time
	// AutomatedUntil is when automated messages stop being allowed; zero
	// means never.
	AutomatedUntil time.Time
	// HumanUntil is when a person's replies stop being allowed; zero means
	// never.
	HumanUntil time.Time
}

// AutomatedOpen reports whether the bot may send automated messages at t.
func (w MessagingWindow) AutomatedOpen(t time.Time) bool {
	return w.AutomatedUntil.IsZero() || !t.After(w.AutomatedUntil)
}

// HumanOpen reports whether a person may reply at t.
func (w MessagingWindow) HumanOpen(t time.Time) bool {
	return w.HumanUntil.IsZero() || !t.After(w.HumanUntil)
}

// channelRules merges the host's rules over the defaults.
func channelRules(host map[string]ChannelRule) map[string]ChannelRule {
	rules := DefaultChannelRules()
	maps.Copy(rules, host)
	return rules
}

// channelName is the channel a session or start request names, with the
// website chat for none.
func channelName(ch string) string {
	if ch == "" {
		return ChannelChat
	}
	return ch
}

// knownChannel reports whether a flow may name the channel.
func (e *Engine) knownChannel(ch string) bool {
	_, ruled := e.channels[ch]
	return ruled || slices.Contains(standardChannels, ch)
}

// limited reports whether the channel limits automated messages.
func (e *Engine) limited(channel string) bool {
	return e.channels[channelName(channel)].AutomatedWindow > 0
}

// window returns the messaging window of a conversation on channel whose
// visitor last wrote at last.
func (e *Engine) window(channel string, last time.Time) MessagingWindow {
	ch := channelName(channel)
	w := MessagingWindow{Channel: ch, LastVisitorMessage: last}
	r := e.channels[ch]
	if r.AutomatedWindow > 0 {
		w.AutomatedUntil = last.Add(r.AutomatedWindow)
	}
	if r.HumanWindow > 0 {
		w.HumanUntil = last.Add(r.HumanWindow)
	}
	return w
}

// MessagingWindow returns what a conversation's channel allows: until when
// the bot may send automated messages and a person may reply, reckoned
// from the visitor's last message. A host checks it before it sends
// anything to the visitor outside a turn (an agent's reply after a
// handoff, a survey).
func (e *Engine) MessagingWindow(ctx context.Context, conversationID string) (MessagingWindow, error) {
	_, s, err := e.load(ctx, conversationID)
	if err != nil {
		return MessagingWindow{}, err
	}
	return e.window(s.Channel, s.LastInteractionAt), nil
}

// checkChannels checks the flow's "channels": each known to the engine
// (a standard channel or one with a rule in Config.Channels), none twice.
func (l *loader) checkChannels() {
	for i, ch := range l.f.def.Channels {
		path := "channels[" + strconv.Itoa(i) + "]"
		switch {
		case !l.e.knownChannel(ch):
			l.fail(path, "", fmt.Sprintf("unknown channel %q (known: %s; a host adds others with Config.Channels)", ch, strings.Join(l.e.channelNames(), ", ")), nil)
		case slices.Contains(l.f.def.Channels[:i], ch):
			l.fail(path, "", fmt.Sprintf("channel %q is listed twice", ch), nil)
		}
	}
}

// channelNames lists the channels the engine knows, sorted.
func (e *Engine) channelNames() []string {
	names := slices.Clone(standardChannels)
	for ch := range e.channels {
		if !slices.Contains(names, ch) {
			names = append(names, ch)
		}
	}
	slices.Sort(names)
	return names
}

// checkChannel refuses to start a flow on a channel it does not serve.
func checkChannel(f *Flow, channel string) error {
	if len(f.def.Channels) == 0 || slices.Contains(f.def.Channels, channelName(channel)) {
		return nil
	}
	return fmt.Errorf("%w: flow %q serves %s, not %q", ErrChannelNotServed, f.def.ID, strings.Join(f.def.Channels, ", "), channelName(channel))
}

// Channels returns the channels the flow serves; empty means every channel.
func (f *Flow) Channels() []string { return slices.Clone(f.def.Channels) }

// lastVisitorMessage is when the visitor last wrote, as of an input: the
// input's own time for a message, the session's record for a host signal
// (which is not the visitor writing).
func lastVisitorMessage(s *Session, in Input, now time.Time) time.Time {
	if in.Signal != "" {
		return s.LastInteractionAt
	}
	return now
}

// outsideWindow answers an input that arrives after its channel's window
// for automated messages closed: the turn does not run, nothing changes,
// and the reply says why. It returns nil while the window is open.
func (e *Engine) outsideWindow(s *Session, last time.Time) *Reply {
	if !e.limited(s.Channel) {
		return nil // most channels: no clock reading on the hot path
	}
	w := e.window(s.Channel, last)
	sendAt := e.clock()
	if w.AutomatedOpen(sendAt) {
		return nil
	}
	r := &Reply{ConversationID: s.ConversationID, Status: s.Status, Outcome: OutcomeOutsideWindow}
	if s.Status == StatusActive {
		r.Awaiting = s.Position
	}
	if !e.omitEvents {
		r.Events = []Event{windowEvent(w, sendAt, "the visitor's last message")}
	}
	return r
}

// windowEvent reports a closed window.
func windowEvent(w MessagingWindow, at time.Time, since string) Event {
	ev := Event{Type: EventOutsideWindow, Time: at,
		Reason: fmt.Sprintf("%s allows automated messages for %s after %s (%s); it closed at %s",
			w.Channel, w.AutomatedUntil.Sub(w.LastVisitorMessage), since,
			w.LastVisitorMessage.UTC().Format(time.RFC3339), w.AutomatedUntil.UTC().Format(time.RFC3339))}
	if !w.HumanUntil.IsZero() {
		ev.Value = w.HumanUntil.UTC().Format(time.RFC3339)
	}
	return ev
}

// commitWithin commits the turn like commit, unless its reply is ready
// only after the channel's window for automated messages closed (a long
// step, or a start reported late): the turn is kept — its effects have
// happened — but its messages are withheld, and the reply's outcome and
// event say why. last is when the visitor last wrote.
func (e *Engine) commitWithin(ctx context.Context, t *turn, expected int64, last time.Time) (*Reply, error) {
	if !e.limited(t.sess.Channel) {
		return e.commit(ctx, t, expected)
	}
	w := e.window(t.sess.Channel, last)
	sendAt := e.clock()
	late := t.fatal == nil && !w.AutomatedOpen(sendAt)
	if late {
		t.reply.Messages, t.reply.QuickReplies = nil, nil
		t.reply.Events = append(t.reply.Events, windowEvent(w, sendAt, "the visitor's last message"))
	}
	r, err := e.commit(ctx, t, expected)
	if err == nil && late {
		r.Outcome = OutcomeOutsideWindow
		// A text channel would send the survey as a message too; the
		// host asks MessagingWindow before offering it later.
		r.Survey = nil
	}
	return r, err
}
