package builtin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/internal/validate"
	"github.com/chatflow/chatflow/targeting/availability"
)

// LiveChatType is the type name of LiveChat in flow JSON.
const LiveChatType = "live_chat"

// When a live chat asks for the visitor's email address
// (EmailCapture.When).
const (
	// CaptureAlways asks every visitor whose email address is unknown.
	CaptureAlways = "always"
	// CaptureWhenUnavailable asks only when nobody can take the chat now
	// (the default).
	CaptureWhenUnavailable = "when_unavailable"
	// CaptureNever never asks.
	CaptureNever = "never"
)

// EmailCapture is when a live chat asks for the visitor's email address,
// and how.
type EmailCapture struct {
	// When is CaptureAlways, CaptureWhenUnavailable (default) or
	// CaptureNever.
	When string `json:"when,omitempty"`
	// Message asks for the address; default the catalogue's email prompt
	// in the flow's language.
	Message action.Messages `json:"message,omitempty"`
	// ErrorMessage is said for an answer that is not an email address;
	// default the catalogue's hint.
	ErrorMessage action.Messages `json:"errorMessage,omitempty"`
	// MaxAttempts is how many such answers are asked again before the chat
	// goes to the team without an address; 0 means DefaultMaxAttempts.
	MaxAttempts int `json:"maxAttempts,omitempty"`
}

// LiveChat connects the visitor straight to people (SPEC §9, seed 003): a
// live-chat chatflow is a flow whose action is a live_chat, after a
// knowledge_base search if it offers one. Its settings are those of
// TeamRouting (automatic assignment to nobody, users and teams, or the
// contact owner, and the optional messages for each outcome) plus the
// chat's office hours, how availability is decided, email capture, the
// "only assign to available users" switch and the widget's availability
// behaviours:
//
//	{"type": "live_chat", "settings": {
//	  "assign": "users_and_teams", "teamIds": ["sales"],
//	  "onlyAvailable": true,
//	  "officeHours": {"timeZone": "Europe/Amsterdam", "hours": {"monday": [{"from": "09:00", "to": "17:00"}]}},
//	  "availability": "user_availability",
//	  "emailCapture": {"when": "when_unavailable", "message": ["Leave your email and we'll get back to you."]},
//	  "behaviors": {"available": {"typicalResponseTime": "minutes"},
//	                "away": {"message": "We're away, but we'll reply soon."},
//	                "offline": {"show": "return_time"},
//	                "atCapacity": {"show": "waiting_message"}}}}
//
// Availability ("availability", an availability.Mode) is by user
// availability when users or teams are assigned — at least one of them
// available, within office hours if set — else by office hours when set,
// else 24/7. The widget shows what Presence returns for a moment, before
// any conversation.
//
// When the visitor writes, the action decides whether to ask for their
// email address (EmailCapture; an address already known is not asked
// again), waits for it if so, and then hands the conversation to the team
// as send_to_team_member does, saying its message for the outcome. With
// onlyAvailable on (the default) the conversation is assigned only to
// available users — nobody available means unassigned; off, it is
// assigned to the selected users and teams whatever their status. A bad
// address is asked again, and after MaxAttempts the chat goes to the team
// without one: a live chat never ends in the general error.
type LiveChat struct {
	TeamRouting
	// OnlyAvailable assigns the conversation to available users only;
	// nil means true.
	OnlyAvailable *bool `json:"onlyAvailable,omitempty"`
	// OfficeHours are the chat's office hours; nil means 24/7.
	OfficeHours *availability.Schedule `json:"officeHours,omitempty"`
	// Availability is how availability is decided; "" chooses as
	// described above.
	Availability availability.Mode `json:"availability,omitempty"`
	// EmailCapture is when and how the visitor's email address is asked.
	EmailCapture EmailCapture `json:"emailCapture"`
	// Behaviors are what the widget shows in each availability state.
	Behaviors availability.Behaviors `json:"behaviors"`

	hours        *availability.OfficeHours
	mode         availability.Mode
	emailPrompt  action.Messages
	emailHint    action.Messages
	awayText     string
	waitingText  string
	responseText map[availability.ResponseTime]string
}

// Provision checks the settings, compiles the office hours and resolves
// the default texts in the flow's language.
func (a *LiveChat) Provision(p action.Provision) error {
	h, err := a.TeamRouting.provisionWithHours(p, a.OfficeHours)
	if err != nil {
		return err
	}
	a.hours = h
	if err := a.Availability.Validate(); err != nil {
		return p.Errorf("availability", "%v", err)
	}
	a.mode = a.Availability
	switch {
	case a.mode == availability.ByUsers && a.Assign != AssignUsersAndTeams:
		return p.Errorf("availability", "user availability needs users or teams (assign %q)", AssignUsersAndTeams)
	case a.mode == availability.ByOfficeHours && a.OfficeHours == nil:
		return p.Errorf("availability", "availability by office hours needs officeHours")
	case a.mode != "":
	case a.Assign == AssignUsersAndTeams:
		a.mode = availability.ByUsers
	case a.OfficeHours != nil:
		a.mode = availability.ByOfficeHours
	default:
		a.mode = availability.Always
	}
	switch a.EmailCapture.When {
	case "", CaptureAlways, CaptureWhenUnavailable, CaptureNever:
	default:
		return p.Errorf("emailCapture.when", "unknown value %q (want %q, %q or %q)", a.EmailCapture.When, CaptureAlways, CaptureWhenUnavailable, CaptureNever)
	}
	if a.EmailCapture.MaxAttempts < 0 {
		return p.Errorf("emailCapture.maxAttempts", "must not be negative, got %d", a.EmailCapture.MaxAttempts)
	}
	if err := a.Behaviors.Validate(); err != nil {
		return condition.WithPath(err, "behaviors", "")
	}
	a.emailPrompt = orText(a.EmailCapture.Message, p, catalog.EmailPrompt)
	a.emailHint = orText(a.EmailCapture.ErrorMessage, p, catalog.InvalidEmail)
	a.awayText = p.Text(catalog.LiveChatAway)
	a.waitingText = p.Text(catalog.LiveChatWaiting)
	a.responseText = map[availability.ResponseTime]string{
		availability.ResponseMinutes: p.Text(catalog.ResponseMinutes),
		availability.ResponseHour:    p.Text(catalog.ResponseHour),
		availability.ResponseHours:   p.Text(catalog.ResponseHours),
		availability.ResponseDay:     p.Text(catalog.ResponseDay),
	}
	return nil
}

// orText returns m, or the catalogue's text of k when m is empty.
func orText(m action.Messages, p action.Provision, k catalog.Key) action.Messages {
	if len(m) > 0 {
		return m
	}
	return action.Messages{{Text: p.Text(k)}}
}

// Hours returns the chat's office hours (nil before Provision; 24/7 when
// none are set). The engine gates the `available` variable of a branch
// that leads here with them.
func (a *LiveChat) Hours() *availability.OfficeHours { return a.hours }

// onlyAvailable reports the "only assign to available users" switch.
func (a *LiveChat) onlyAvailable() bool { return a.OnlyAvailable == nil || *a.OnlyAvailable }

// channel is the chat's availability channel.
func (a *LiveChat) channel() *availability.Channel {
	return &availability.Channel{Mode: a.mode, Hours: a.hours, UserIDs: a.UserIDs, TeamIDs: a.TeamIDs}
}

// state is the chat's availability state at now.
func (a *LiveChat) state(ctx context.Context, now time.Time) (availability.State, time.Time, error) {
	ts, err := a.channel().Status(ctx, a.svc.ports.Directory, now)
	if err != nil {
		return "", time.Time{}, err
	}
	open := a.hours.Open(now)
	var next time.Time
	if !open {
		next, _ = a.hours.NextOpen(now)
	}
	return availability.StateOf(ts, open), next, nil
}

// LiveChatPresence is what a live chat's widget shows at one moment: the
// availability.Presence of the chat's behaviours, with the texts left to
// the host's default filled in from the catalogue in the flow's language.
type LiveChatPresence struct {
	availability.Presence
	// ResponseTimeText words TypicalResponseTime ("Typically replies in a
	// few minutes"); "" when none is shown.
	ResponseTimeText string `json:"responseTimeText,omitempty"`
}

// Presence returns what the chat's widget shows at now: available (with
// the typical response time), away (the away message), offline (the
// return time, the away message, or no launcher) or at capacity (a waiting
// message, no launcher, or as when available). It asks the Directory for
// the status of the assigned users when availability depends on them; a
// Directory error is returned.
func (a *LiveChat) Presence(ctx context.Context, now time.Time) (LiveChatPresence, error) {
	s, next, err := a.state(ctx, now)
	if err != nil {
		return LiveChatPresence{}, fmt.Errorf("live chat: %w", err)
	}
	p := LiveChatPresence{Presence: a.Behaviors.Presence(s, next)}
	switch {
	case p.AwayMessage && p.Message == "":
		p.Message = a.awayText
	case p.WaitingMessage && p.Message == "":
		p.Message = a.waitingText
	}
	p.ResponseTimeText = a.responseText[p.TypicalResponseTime]
	return p, nil
}

// Run decides whether to ask for the visitor's email address first, and
// otherwise hands the conversation to the team.
func (a *LiveChat) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	ask, err := a.askEmail(ctx, t)
	if err != nil {
		return action.Result{}, err
	}
	if !ask {
		return a.handOff(ctx, t)
	}
	t.Say(a.emailPrompt)
	t.Prompt(nil, true)
	t.SetState([]byte("0"))
	return action.Result{Status: action.Wait}, nil
}

// askEmail reports whether email capture asks this visitor now.
func (a *LiveChat) askEmail(ctx context.Context, t action.Turn) (bool, error) {
	when := cmp.Or(a.EmailCapture.When, CaptureWhenUnavailable)
	if when == CaptureNever {
		return false, nil
	}
	if _, known := t.Property(action.ContactObject, "email"); known {
		return false, nil
	}
	if when == CaptureAlways {
		return true, nil
	}
	s, _, err := a.state(ctx, t.Session().Now)
	if err != nil {
		return false, fmt.Errorf("live chat: %w", err)
	}
	return s != availability.StateAvailable, nil
}

// Answer takes the email address, then hands the conversation over.
func (a *LiveChat) Answer(ctx context.Context, t action.Turn, in action.Input) (action.Result, error) {
	email, err := validate.Email(in.Value())
	if err == nil {
		if err := t.SetProperty(action.ContactObject, "email", email); err != nil {
			return action.Result{Status: action.Fail, Reason: err.Error(), Err: err}, nil
		}
		t.Emit(action.Event{Type: EventAnswerAccepted, Value: email})
		return a.handOff(ctx, t)
	}
	t.Emit(action.Event{Type: EventAnswerRejected, Value: in.Value(), Reason: err.Error()})
	rejected, _ := strconv.Atoi(string(t.State()))
	rejected++
	if rejected >= cmp.Or(a.EmailCapture.MaxAttempts, DefaultMaxAttempts) {
		// The team still gets the chat, without an address.
		return a.handOff(ctx, t)
	}
	t.SetState([]byte(strconv.Itoa(rejected)))
	t.Say(a.emailHint)
	t.Prompt(nil, true)
	return action.Result{Status: action.Wait}, nil
}

// handOff routes the conversation as send_to_team_member does, then
// applies the "only assign to available users" switch.
func (a *LiveChat) handOff(ctx context.Context, t action.Turn) (action.Result, error) {
	res, err := a.TeamRouting.route(ctx, t, a.hours)
	if err != nil || res.Status != action.End || res.Handoff == nil {
		return res, err
	}
	h := res.Handoff
	switch {
	case Routed(h.Outcome) == RoutedAvailable || h.Unassigned:
	case a.onlyAvailable():
		// Nobody available to take it: the inbox's Unassigned view.
		h.UserIDs, h.TeamIDs, h.Unassigned = nil, nil, true
	}
	if !a.onlyAvailable() && a.Assign == AssignUsersAndTeams {
		// Every selected user and team, whatever their status.
		h.UserIDs, h.TeamIDs = slices.Clone(a.UserIDs), slices.Clone(a.TeamIDs)
	}
	return res, nil
}
