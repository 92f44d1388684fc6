package builtin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/store"
)

// BookMeetingType is the type name of BookMeeting in flow JSON.
const BookMeetingType = "book_meeting"

// MeetingBubble is a bubble carrying a meeting link (URL). Name is
// "inline" when the host may show the scheduler inside the chat with the
// visitor's details prefilled, "page" when it should send the visitor to
// the booking page.
const MeetingBubble action.BubbleType = "meeting"

// EventMeetingBooked is emitted when the host reports a booking.
const EventMeetingBooked action.EventType = "meeting_booked"

// SignalMeetingBooked is the engine.Input.Signal a host sends when the visitor
// booked the offered meeting.
const SignalMeetingBooked = "meeting_booked"

// BookMeeting shares a meeting link and waits (SPEC §3.14). When the host
// reports the booking (an input with Signal SignalMeetingBooked) the
// success message is shown; if the visitor writes instead, the flow goes on
// without a booking.
//
// The link is offered inline (prefilled scheduler in the chat) only when it
// has no custom fields beyond first name, last name and email, those three
// are known, it has times available soon, and CAPTCHA and the privacy switch
// are off; otherwise the visitor is sent to the booking page.
//
//	{"type": "book_meeting", "settings": {"linkId": "sales-demo",
//	  "message": ["Pick a time that suits you:"], "successMessage": ["See you then!"]}}
type BookMeeting struct {
	// LinkID identifies the meeting link in the Meetings port.
	LinkID string `json:"linkId"`
	// Message introduces the link.
	Message action.Messages `json:"message,omitempty"`
	// SuccessMessage is shown when the visitor booked.
	SuccessMessage action.Messages `json:"successMessage,omitempty"`

	svc *services
}

// Provision checks the settings. The action always waits (for the
// booking or a message) and takes SignalMeetingBooked.
func (a *BookMeeting) Provision(p action.Provision) error {
	if err := require(p, a.svc.stores.Meetings != nil, "a meetings store (Stores.Meetings)"); err != nil {
		return err
	}
	if err := requireID(p, "linkId", a.LinkID); err != nil {
		return err
	}
	p.Waits()
	p.AcceptSignal(SignalMeetingBooked)
	return nil
}

// Run offers the link.
func (a *BookMeeting) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	link, err := a.svc.stores.Meetings.Link(ctx, a.LinkID)
	if errors.Is(err, store.ErrNotFound) {
		return action.Result{Status: action.Fail, Reason: "unknown meeting link " + a.LinkID}, nil
	} else if err != nil {
		return action.Result{}, fmt.Errorf("meeting link %s: %w", a.LinkID, err)
	}
	t.Say(a.Message)
	mode := "page"
	if inlineBooking(t, link) {
		mode = "inline"
	}
	t.Say(action.Messages{{Type: MeetingBubble, URL: link.URL, Name: mode}})
	t.Prompt(nil, true)
	return action.Result{Status: action.Wait}, nil
}

// Answer handles the booking signal or the visitor's message.
func (a *BookMeeting) Answer(_ context.Context, t action.Turn, in action.Input) (action.Result, error) {
	if in.Signal == SignalMeetingBooked {
		t.SetAnswer("booked")
		t.Emit(action.Event{Type: EventMeetingBooked})
		t.Say(a.SuccessMessage)
		return action.Result{Status: action.Done}, nil
	}
	t.SetAnswer(in.Value())
	return action.Result{Status: action.Done}, nil
}

// inlineBooking applies HubSpot's rule for showing the scheduler inline.
func inlineBooking(t action.Turn, l store.MeetingLink) bool {
	for _, f := range l.CustomFields {
		switch strings.ToLower(f) {
		case "firstname", "lastname", "email":
		default:
			return false
		}
	}
	for _, p := range []string{"firstname", "lastname", "email"} {
		if _, ok := t.Property(action.ContactObject, p); !ok {
			return false
		}
	}
	return l.AvailableSoon && !l.Captcha && !l.PrivacyConsent
}
