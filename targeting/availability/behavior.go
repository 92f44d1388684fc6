package availability

import (
	"errors"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/condition"
)

// State is a live chat's availability as its widget shows it (SPEC §9).
type State string

// The states of a live chat.
const (
	// StateAvailable: the team can take the chat now.
	StateAvailable State = "available"
	// StateAway: within office hours, but nobody can take the chat (away,
	// offline, or no member assigned).
	StateAway State = "away"
	// StateOffline: outside office hours.
	StateOffline State = "offline"
	// StateAtCapacity: nobody is available and some member is at maximum
	// capacity.
	StateAtCapacity State = "at_capacity"
)

// StateOf is the state of a team whose status is ts, when its office hours
// are open (open) or not.
func StateOf(ts TeamStatus, open bool) State {
	switch {
	case !open:
		return StateOffline
	case ts.Status == Available:
		return StateAvailable
	case ts.Status == AtCapacity:
		return StateAtCapacity
	}
	return StateAway
}

// ResponseTime is a live chat's typical response time, as HubSpot offers
// it; the host words it (package action/catalog has texts for it).
type ResponseTime string

// The response times.
const (
	ResponseMinutes ResponseTime = "minutes" // a few minutes
	ResponseHour    ResponseTime = "hour"    // an hour
	ResponseHours   ResponseTime = "hours"   // a few hours
	ResponseDay     ResponseTime = "day"     // a day
)

// What the widget does when the team is offline (outside office hours):
// OfflineBehavior.Show.
const (
	// ShowReturnTime shows when the team is back (the default).
	ShowReturnTime = "return_time"
	// ShowAwayMessage shows the away message.
	ShowAwayMessage = "away_message"
	// HideLauncher hides the chat launcher (also an AtCapacityBehavior.Show).
	HideLauncher = "hide_launcher"
)

// What the widget does when every member is at capacity:
// AtCapacityBehavior.Show.
const (
	// ShowWaitingMessage shows a waiting message (the default).
	ShowWaitingMessage = "waiting_message"
	// ShowNothing changes nothing: the widget looks as when available.
	ShowNothing = "nothing"
)

// Behaviors say what a live chat's widget shows in each state (SPEC §9):
// display data for the host, which renders it. The zero value shows no
// response time, the default away message when away, the return time
// when offline and the default waiting message at capacity.
type Behaviors struct {
	// Available is the behaviour when the team is available.
	Available AvailableBehavior `json:"available"`
	// Away is the behaviour within office hours when nobody is available.
	Away AwayBehavior `json:"away"`
	// Offline is the behaviour outside office hours.
	Offline OfflineBehavior `json:"offline"`
	// AtCapacity is the behaviour when every member is at capacity.
	AtCapacity AtCapacityBehavior `json:"atCapacity"`
}

// AvailableBehavior shows the typical response time.
type AvailableBehavior struct {
	// TypicalResponseTime is shown to visitors; "" shows none.
	TypicalResponseTime ResponseTime `json:"typicalResponseTime,omitempty"`
}

// AwayBehavior shows an away message.
type AwayBehavior struct {
	// Message is the away message; "" means the host's default.
	Message string `json:"message,omitempty"`
}

// OfflineBehavior is what the widget does outside office hours.
type OfflineBehavior struct {
	// Show is ShowReturnTime (default), ShowAwayMessage or HideLauncher.
	Show string `json:"show,omitempty"`
}

// AtCapacityBehavior is what the widget does when everyone is at capacity.
type AtCapacityBehavior struct {
	// Show is ShowWaitingMessage (default), HideLauncher or ShowNothing.
	Show string `json:"show,omitempty"`
	// Message is the waiting message; "" means the host's default.
	Message string `json:"message,omitempty"`
}

// Presence is what a live chat's widget shows at one moment.
type Presence struct {
	// State is the team's state.
	State State `json:"state"`
	// HideLauncher asks the host to hide the chat launcher.
	HideLauncher bool `json:"hideLauncher,omitempty"`
	// TypicalResponseTime is shown when available ("" for none, and in
	// other states unless at capacity shows nothing).
	TypicalResponseTime ResponseTime `json:"typicalResponseTime,omitempty"`
	// AwayMessage is true when the widget shows the away message; Message
	// holds its text when the behaviour sets one.
	AwayMessage bool `json:"awayMessage,omitempty"`
	// WaitingMessage is true when the widget shows the waiting message;
	// Message holds its text when the behaviour sets one.
	WaitingMessage bool `json:"waitingMessage,omitempty"`
	// Message is the away or waiting message's text; "" means the host's
	// default.
	Message string `json:"message,omitempty"`
	// ReturnTime is when the team is back, shown when offline with
	// ShowReturnTime; zero when unknown (no opening ahead).
	ReturnTime time.Time `json:"returnTime,omitzero"`
}

// Presence returns what the widget shows in state s; next is when office
// hours open again (for the offline return time).
func (b *Behaviors) Presence(s State, next time.Time) Presence {
	p := Presence{State: s}
	switch s {
	case StateAvailable:
		p.TypicalResponseTime = b.Available.TypicalResponseTime
	case StateAway:
		p.AwayMessage, p.Message = true, b.Away.Message
	case StateOffline:
		switch b.Offline.Show {
		case ShowAwayMessage:
			p.AwayMessage, p.Message = true, b.Away.Message
		case HideLauncher:
			p.HideLauncher = true
		default:
			p.ReturnTime = next
		}
	case StateAtCapacity:
		switch b.AtCapacity.Show {
		case HideLauncher:
			p.HideLauncher = true
		case ShowNothing:
			p.TypicalResponseTime = b.Available.TypicalResponseTime
		default:
			p.WaitingMessage, p.Message = true, b.AtCapacity.Message
		}
	}
	return p
}

// Validate reports every problem of the behaviours, joined; each is a
// *condition.Error whose Path is relative to the behaviours (such as
// "offline.show") and whose Err is ErrInvalid. A nil *Behaviors is valid.
func (b *Behaviors) Validate() error {
	if b == nil {
		return nil
	}
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, &condition.Error{Path: path, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid})
	}
	switch b.Available.TypicalResponseTime {
	case "", ResponseMinutes, ResponseHour, ResponseHours, ResponseDay:
	default:
		bad("available.typicalResponseTime", "unknown response time %q (want %s, %s, %s or %s)", b.Available.TypicalResponseTime,
			ResponseMinutes, ResponseHour, ResponseHours, ResponseDay)
	}
	switch b.Offline.Show {
	case "", ShowReturnTime, ShowAwayMessage, HideLauncher:
	default:
		bad("offline.show", "unknown behaviour %q (want %s, %s or %s)", b.Offline.Show, ShowReturnTime, ShowAwayMessage, HideLauncher)
	}
	switch b.AtCapacity.Show {
	case "", ShowWaitingMessage, HideLauncher, ShowNothing:
	default:
		bad("atCapacity.show", "unknown behaviour %q (want %s, %s or %s)", b.AtCapacity.Show, ShowWaitingMessage, HideLauncher, ShowNothing)
	}
	return errors.Join(errs...)
}
