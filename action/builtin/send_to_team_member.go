package builtin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/targeting/availability"
)

// SendToTeamMemberType is the type name of SendToTeamMember in flow JSON.
const SendToTeamMemberType = "send_to_team_member"

// OwnerProperty is the contact property that holds the user ID of the
// contact's owner, used by the contact-owner assignment.
const OwnerProperty = "hubspot_owner_id"

// The events of the routing actions (send to team member, send to agent).
const (
	// EventRouted reports how a conversation was routed. Value is the
	// outcome: one of the Routed constants for people, or the agent's mode
	// for the AI agent. Reason explains it.
	EventRouted action.EventType = "routed"
	// EventOwnerNotified asks the host to email the conversation to the
	// contact owner, who is away, offline, or outside office hours. Value is
	// the owner's user ID.
	EventOwnerNotified action.EventType = "owner_notified"
)

// Routed is the outcome of routing a conversation to people, found in the
// Handoff.Outcome of a "team" handoff and in the Value of the EventRouted
// event. Each selects the message the visitor sees.
type Routed string

// The routing outcomes.
const (
	// RoutedAvailable: at least one assigned user is available within
	// office hours; Handoff.UserIDs lists the available users. The visitor
	// sees the available message.
	RoutedAvailable Routed = "available"
	// RoutedAtCapacity: nobody is available and at least one assigned user
	// is at maximum capacity. The visitor sees the at-capacity message (the
	// away message when none is set).
	RoutedAtCapacity Routed = "at_capacity"
	// RoutedAway: nobody is available or at capacity; at least one assigned
	// user is away. The visitor sees the away message.
	RoutedAway Routed = "away"
	// RoutedOffline: every assigned user is offline (or the selected teams
	// have no members). The visitor sees the away message.
	RoutedOffline Routed = "offline"
	// RoutedClosed: it is outside office hours, so nobody is routed to,
	// whatever their status. The visitor sees the away message.
	RoutedClosed Routed = "outside_office_hours"
	// RoutedUnassigned: the conversation goes to the inbox's Unassigned
	// view (Handoff.Unassigned). The visitor sees the unassigned message.
	RoutedUnassigned Routed = "unassigned"
)

// AssignMode says to whom a conversation handed to people is assigned.
type AssignMode string

// The assignment modes.
const (
	// AssignNobody sends the conversation to the inbox's Unassigned view.
	// It is the mode when "assign" is omitted.
	AssignNobody AssignMode = "nobody"
	// AssignUsersAndTeams assigns specific users and the members of
	// specific teams.
	AssignUsersAndTeams AssignMode = "users_and_teams"
	// AssignContactOwner assigns the owner of a known contact (the
	// hubspot_owner_id property), or a fallback user.
	AssignContactOwner AssignMode = "contact_owner"
)

// TeamRouting is how a conversation is handed to people: whom to assign and
// what the visitor sees depending on their availability. It is the settings
// of Send to team member, and the "ifUnavailable" settings of Send to
// customer agent.
//
//	{"assign": "users_and_teams", "userIds": ["u1"], "teamIds": ["support"],
//	 "availableMessage": ["Connecting you with {{ contact.firstname | default(\"a colleague\") }}…"],
//	 "awayMessage": ["We're away right now; we'll email you."],
//	 "atCapacityMessage": ["Everyone is busy; please hold on."],
//	 "unassignedMessage": ["Thanks! Someone will pick this up soon."]}
//
//	{"assign": "contact_owner", "fallbackUserId": "u9"}
//
// The outcome, and so the message, is decided when the action runs (see
// the Routed constants):
//
//   - nobody: the conversation is unassigned; the visitor sees the
//     unassigned message, or outside office hours the away message (the
//     unassigned message when no away message is set). No Directory is
//     needed.
//   - users and teams: the Directory is asked for the status of every
//     selected user and every member of every selected team. Within office
//     hours, if any of them is available the conversation is routed to the
//     available ones (Handoff.UserIDs; the host picks one, e.g. round robin)
//     with the available message. Otherwise it stays assigned to the
//     selected users and teams, who pick it up when they are back, and the
//     visitor sees the at-capacity message if someone is at capacity, else
//     the away message. Outside office hours the visitor always sees the
//     away message.
//   - contact owner: needs a known contact whose hubspot_owner_id is set to
//     a user the Directory knows. The owner is then checked like a single
//     selected user; when the owner is away, offline or outside office
//     hours, an EventOwnerNotified event asks the host to email the
//     conversation to the owner. Without an owner (an unknown visitor, no
//     hubspot_owner_id, or an owner the Directory does not know, such as a
//     deactivated user) the fallback user is assigned like a selected user;
//     without a fallback user the conversation is unassigned.
//
// A selected user or team, or a fallback user, that the Directory does not
// know (store.ErrNotFound) makes the action fail with a reason naming it,
// so the flow's failure path runs; the Directory is asked at any time of
// day, so this does not depend on office hours. A member of a known team
// whom the Directory does not know counts as offline. Any other Directory
// error is returned: the engine saves nothing and the host retries the
// message. A message that is not set sends nothing.
type TeamRouting struct {
	// Assign is "nobody" (the default), "users_and_teams" or "contact_owner".
	Assign AssignMode `json:"assign"`
	// UserIDs are the selected users (users_and_teams).
	UserIDs []string `json:"userIds,omitempty"`
	// TeamIDs are the selected teams; their members count as selected
	// users (users_and_teams).
	TeamIDs []string `json:"teamIds,omitempty"`
	// FallbackUserID is assigned when the contact has no owner
	// (contact_owner); empty leaves such conversations unassigned.
	FallbackUserID string `json:"fallbackUserId,omitempty"`
	// AvailableMessage is sent when an assigned user is available.
	AvailableMessage action.Messages `json:"availableMessage,omitempty"`
	// AwayMessage is sent when the assigned users are away or offline, or
	// it is outside office hours.
	AwayMessage action.Messages `json:"awayMessage,omitempty"`
	// AtCapacityMessage is sent when nobody is available and an assigned
	// user is at maximum capacity; empty means the away message.
	AtCapacityMessage action.Messages `json:"atCapacityMessage,omitempty"`
	// UnassignedMessage is sent when the conversation is not assigned.
	UnassignedMessage action.Messages `json:"unassignedMessage,omitempty"`
	// Inbox is the inbox or help desk that receives the conversation;
	// nil means the flow's (its top-level "inbox").
	Inbox *action.Inbox `json:"inbox,omitempty"`

	svc *services
}

// SendToTeamMember hands the conversation to people depending on their
// availability (SPEC §3.9): nobody (the Unassigned view), specific users and
// teams, or the contact owner. Its settings are those of TeamRouting plus
// the chat's office hours, an availability.Schedule (omitted means 24/7):
//
//	{"type": "send_to_team_member", "settings": {
//	  "assign": "users_and_teams", "userIds": ["u1", "u2"], "teamIds": ["support"],
//	  "officeHours": {"timeZone": "Europe/Amsterdam",
//	                  "hours": {"monday": [{"from": "09:00", "to": "17:00"}],
//	                            "friday": [{"from": "22:00", "to": "02:00"}]},
//	                  "closed": ["2026-12-25"]},
//	  "availableMessage": ["One moment, I'm connecting you with the team."],
//	  "awayMessage": ["We're away right now. We'll get back to you by email."],
//	  "atCapacityMessage": ["All of us are busy; you're next in line."],
//	  "unassignedMessage": ["Thanks! A team member will be with you soon."]}}
//
// Routing to an available user happens only within office hours. The
// action ends the bot part of the conversation: its Result is End with a
// Handoff of kind "team" whose UserIDs and TeamIDs are the assignment,
// Unassigned is set for the Unassigned view, and Outcome is the routing
// outcome (a Routed constant). It emits EventRouted, and EventOwnerNotified
// when the contact owner must be emailed. See TeamRouting for the details.
//
// The action needs the Directory port, except with "assign": "nobody".
type SendToTeamMember struct {
	TeamRouting
	// OfficeHours are the chat's office hours; nil means 24/7.
	OfficeHours *availability.Schedule `json:"officeHours,omitempty"`

	hours *availability.OfficeHours
}

// Provision checks the settings and compiles the office hours.
func (a *SendToTeamMember) Provision(p action.Provision) error {
	h, err := a.TeamRouting.provisionWithHours(p, a.OfficeHours)
	a.hours = h
	return err
}

// provisionWithHours checks the routing settings (at the top of the
// settings) and compiles office hours found at "officeHours".
func (r *TeamRouting) provisionWithHours(p action.Provision, s *availability.Schedule) (*availability.OfficeHours, error) {
	if err := r.provision(p, ""); err != nil {
		return nil, err
	}
	return compileHours(s, "officeHours")
}

// Hours returns the compiled office hours (nil before Provision; 24/7
// when none are set). The engine gates the `available` variable of a
// branch that leads here with them.
func (a *SendToTeamMember) Hours() *availability.OfficeHours { return a.hours }

// Run routes the conversation and hands it over.
func (a *SendToTeamMember) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	return a.TeamRouting.route(ctx, t, a.hours)
}

// provision checks the routing settings; base is the JSON path of the
// routing within the action's settings ("" for the settings themselves).
func (r *TeamRouting) provision(p action.Provision, base string) error {
	path := func(field string) string {
		if base == "" {
			return field
		}
		return base + "." + field
	}
	if r.Assign == "" {
		r.Assign = AssignNobody
	}
	switch r.Assign {
	case AssignNobody:
		for _, f := range []struct {
			name string
			set  bool
		}{{"userIds", len(r.UserIDs) > 0}, {"teamIds", len(r.TeamIDs) > 0}, {"fallbackUserId", r.FallbackUserID != ""}} {
			if f.set {
				return p.Errorf(path(f.name), "%s is not used when nobody is assigned (set assign to %q or %q)", f.name, AssignUsersAndTeams, AssignContactOwner)
			}
		}
	case AssignUsersAndTeams:
		if len(r.UserIDs) == 0 && len(r.TeamIDs) == 0 {
			return p.Errorf(path("userIds"), "select at least one user or team")
		}
		if r.FallbackUserID != "" {
			return p.Errorf(path("fallbackUserId"), "fallbackUserId is only used with assign %q", AssignContactOwner)
		}
	case AssignContactOwner:
		if len(r.UserIDs) > 0 {
			return p.Errorf(path("userIds"), "userIds are only used with assign %q", AssignUsersAndTeams)
		}
		if len(r.TeamIDs) > 0 {
			return p.Errorf(path("teamIds"), "teamIds are only used with assign %q", AssignUsersAndTeams)
		}
	default:
		return p.Errorf(path("assign"), "unknown assignment %q (want %q, %q or %q)", r.Assign, AssignNobody, AssignUsersAndTeams, AssignContactOwner)
	}
	if err := r.Inbox.Check(); err != nil {
		return p.Errorf(path("inbox"), "%v", err)
	}
	if err := checkIDs(p, r.UserIDs, path("userIds")); err != nil {
		return err
	}
	if err := checkIDs(p, r.TeamIDs, path("teamIds")); err != nil {
		return err
	}
	if r.Assign != AssignNobody {
		return require(p, r.svc.ports.Directory != nil, "a directory of users and teams (Ports.Directory)")
	}
	return nil
}

// checkIDs rejects empty and repeated IDs.
func checkIDs(p action.Provision, ids []string, path string) error {
	for i, id := range ids {
		at := path + "[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(id) == "" {
			return p.Errorf(at, "empty ID")
		}
		if slices.Contains(ids[:i], id) {
			return p.Errorf(at, "%q is selected twice", id)
		}
	}
	return nil
}

// compileHours compiles an optional schedule; path is its JSON path in the
// settings, which prefixes the schedule's own problem paths.
func compileHours(s *availability.Schedule, path string) (*availability.OfficeHours, error) {
	h, err := s.Compile()
	if err != nil {
		return nil, condition.WithPath(err, path, "")
	}
	return h, nil
}

// route decides the outcome, says the message, emits the events and returns
// the handover.
func (r *TeamRouting) route(ctx context.Context, t action.Turn, hours *availability.OfficeHours) (action.Result, error) {
	switch r.Assign {
	case AssignUsersAndTeams:
		res, _, err := r.assign(ctx, t, hours, r.UserIDs, r.TeamIDs, false, describe(r.UserIDs, r.TeamIDs))
		return res, err
	case AssignContactOwner:
		return r.toOwner(ctx, t, hours)
	}
	return r.unassigned(t, hours, "nobody is assigned"), nil
}

// unassigned hands the conversation to the Unassigned view.
func (r *TeamRouting) unassigned(t action.Turn, hours *availability.OfficeHours, why string) action.Result {
	h := &action.Handoff{Kind: action.HandoffTeam, Unassigned: true, Outcome: string(RoutedUnassigned)}
	if now := t.Session().Now; !hours.Open(now) {
		h.Outcome = string(RoutedClosed)
		why += "; " + closedReason(hours, now)
	}
	return r.finish(t, h, why)
}

// toOwner assigns the contact owner, or else the fallback user, or else
// nobody.
func (r *TeamRouting) toOwner(ctx context.Context, t action.Turn, hours *availability.OfficeHours) (action.Result, error) {
	why := "the visitor is not a known contact"
	if t.Session().ContactID != "" {
		why = "the contact has no owner"
		if owner, ok := t.Property(action.ContactObject, OwnerProperty); ok {
			res, known, err := r.assign(ctx, t, hours, []string{owner}, nil, true, "contact owner "+strconv.Quote(owner))
			if err != nil || known {
				return res, err
			}
			// A deactivated or deleted owner: treat the contact as ownerless.
			why = fmt.Sprintf("the contact owner %q is not in the directory", owner)
		}
	}
	if r.FallbackUserID == "" {
		return r.unassigned(t, hours, why+" and there is no fallback user"), nil
	}
	res, _, err := r.assign(ctx, t, hours, []string{r.FallbackUserID}, nil, false, why+"; fallback user "+strconv.Quote(r.FallbackUserID))
	return res, err
}

// assign asks the Directory about users and the members of teams and hands
// the conversation over to them. When the Directory does not know one of
// users or teams, it says nothing and returns a Fail result with known
// false. owner marks the contact owner, who is notified when unreachable;
// label names the assignee in the result's reason.
func (r *TeamRouting) assign(ctx context.Context, t action.Turn, hours *availability.OfficeHours, users, teams []string, owner bool, label string) (res action.Result, known bool, err error) {
	directory := r.svc.ports.Directory
	if directory == nil {
		return action.Result{}, false, errors.New("routing needs Ports.Directory, which the engine was not given")
	}
	// The Channel gets no office hours: the Directory is always asked, so
	// that unknown IDs fail at any time of day. The hours are checked below.
	dir := &trackingDirectory{Directory: directory, selected: users}
	ch := availability.Channel{Mode: availability.ByUsers, UserIDs: users, TeamIDs: teams}
	now := t.Session().Now
	ts, err := ch.Status(ctx, dir, now)
	if err != nil {
		return action.Result{}, false, err
	}
	if len(dir.unknown) > 0 {
		return action.Result{Status: action.Fail, Reason: "the directory does not know " + strings.Join(dir.unknown, ", ")}, false, nil
	}
	h := &action.Handoff{Kind: action.HandoffTeam, UserIDs: slices.Clone(users), TeamIDs: slices.Clone(teams)}
	var why string
	switch {
	case !hours.Open(now):
		h.Outcome = string(RoutedClosed)
		why = label + ": " + closedReason(hours, now)
	case ts.Status == availability.Available:
		h.Outcome = string(RoutedAvailable)
		h.UserIDs = nil
		for _, m := range ts.Members {
			if m.Status == availability.Available {
				h.UserIDs = append(h.UserIDs, m.UserID)
			}
		}
		why = label + ": routed to available " + describe(h.UserIDs, nil)
	default:
		h.Outcome = ts.Status.String() // at_capacity, away or offline
		why = label + ": nobody is available (" + h.Outcome + ")"
	}
	if owner && Routed(h.Outcome) != RoutedAvailable && Routed(h.Outcome) != RoutedAtCapacity {
		t.Emit(action.Event{Type: EventOwnerNotified, Value: users[0], Reason: why})
	}
	return r.finish(t, h, why), true, nil
}

// finish sends the message of the outcome and ends the bot part.
func (r *TeamRouting) finish(t action.Turn, h *action.Handoff, why string) action.Result {
	var msg action.Messages
	switch Routed(h.Outcome) {
	case RoutedAvailable:
		msg = r.AvailableMessage
	case RoutedUnassigned:
		msg = r.UnassignedMessage
	case RoutedAtCapacity:
		msg = r.AtCapacityMessage
		if len(msg) == 0 {
			msg = r.AwayMessage
		}
	default: // away, offline, outside office hours
		msg = r.AwayMessage
		if h.Unassigned && len(msg) == 0 {
			msg = r.UnassignedMessage
		}
	}
	if len(msg) > 0 {
		t.Say(msg)
	}
	if r.Inbox != nil {
		in := *r.Inbox
		h.Inbox = &in
	}
	t.Emit(action.Event{Type: EventRouted, Value: h.Outcome, Reason: why})
	return action.Result{Status: action.End, Reason: why, Handoff: h}
}

// closedReason says that office hours are closed and when they open again.
func closedReason(hours *availability.OfficeHours, now time.Time) string {
	if next, ok := hours.NextOpen(now); ok {
		return "outside office hours (open again at " + next.Format(time.RFC3339) + ")"
	}
	return "outside office hours"
}

// describe names users and teams for a reason.
func describe(users, teams []string) string {
	var parts []string
	if len(users) > 0 {
		parts = append(parts, "user "+strings.Join(users, ", "))
	}
	if len(teams) > 0 {
		parts = append(parts, "team "+strings.Join(teams, ", "))
	}
	if len(parts) == 0 {
		return "nobody"
	}
	return strings.Join(parts, " and ")
}

// trackingDirectory notes the selected users and the teams that the
// Directory does not know, which availability.Channel counts as offline.
type trackingDirectory struct {
	availability.Directory
	selected []string
	unknown  []string
}

// UserStatus implements availability.Directory.
func (d *trackingDirectory) UserStatus(ctx context.Context, id string) (availability.Status, error) {
	s, err := d.Directory.UserStatus(ctx, id)
	if errors.Is(err, store.ErrNotFound) && slices.Contains(d.selected, id) {
		d.unknown = append(d.unknown, "user "+strconv.Quote(id))
	}
	return s, err
}

// TeamMembers implements availability.Directory.
func (d *trackingDirectory) TeamMembers(ctx context.Context, id string) ([]string, error) {
	m, err := d.Directory.TeamMembers(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		d.unknown = append(d.unknown, "team "+strconv.Quote(id))
	}
	return m, err
}
