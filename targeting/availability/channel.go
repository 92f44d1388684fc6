package availability

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/store"
)

// Mode is how a chat channel decides whether its team is available. It is a
// string so it can sit in JSON configuration.
type Mode string

const (
	// Always: the team counts as available 24/7. The zero Mode means Always.
	Always Mode = "always"
	// ByUsers: available when at least one assigned member is Available,
	// and, if the channel also has office hours, only within them.
	ByUsers Mode = "user_availability"
	// ByOfficeHours: available exactly during the channel's office hours.
	ByOfficeHours Mode = "office_hours"
)

// Validate returns an error for a Mode other than "", Always, ByUsers and
// ByOfficeHours.
func (m Mode) Validate() error {
	switch m {
	case "", Always, ByUsers, ByOfficeHours:
		return nil
	}
	return fmt.Errorf("availability: unknown mode %q (want %q, %q or %q)", string(m), Always, ByUsers, ByOfficeHours)
}

// ErrNoDirectory is returned when a ByUsers channel is asked without a
// Directory.
var ErrNoDirectory = errors.New("availability: user availability needs a Directory")

// Channel describes the availability of a chat channel's team. The zero
// Channel is available 24/7. A Channel is read-only during calls and safe
// for concurrent use if nobody modifies it.
type Channel struct {
	// Mode selects the rule; "" means Always.
	Mode Mode
	// Hours are the office hours. ByOfficeHours uses them as the rule;
	// ByUsers, when Hours is non-nil, routes only within them. nil means
	// 24/7.
	Hours *OfficeHours
	// UserIDs are the users assigned to the channel.
	UserIDs []string
	// TeamIDs are teams whose members are assigned too.
	TeamIDs []string
}

// Member is one assigned user and the status the Directory reported.
type Member struct {
	// UserID identifies the user.
	UserID string
	// Status is what the Directory reported; Offline for an unknown user.
	Status Status
}

// TeamStatus is a channel's availability at one moment. The zero value means
// offline with nothing known.
type TeamStatus struct {
	// Status sums up the team: Available if it can take a chat now;
	// otherwise, for ByUsers, AtCapacity if some member is at capacity,
	// else Away if some member is away, else Offline; Offline outside
	// office hours.
	Status Status
	// NextOpen is when office hours open again, set only when the channel
	// is Offline because of its office hours.
	NextOpen time.Time
	// Members lists the assigned users (UserIDs, then the members of each
	// of TeamIDs, without repeats) with their status. It is set only for
	// ByUsers within office hours. An unknown user is listed as Offline.
	Members []Member
}

// Available reports whether the channel's team can take a chat at now. It
// stops asking the Directory at the first available member. Unknown users
// and teams (store.ErrNotFound) count as offline; any other Directory error
// is returned.
func (c *Channel) Available(ctx context.Context, dir Directory, now time.Time) (bool, error) {
	avail := false
	if _, err := c.eval(ctx, dir, now, func(Member) bool { return true }, &avail); err != nil {
		return false, err
	}
	return avail, nil
}

// Status reports the channel's team status at now, asking the Directory
// about every assigned member (see TeamStatus). Unknown users and teams
// (store.ErrNotFound) count as offline; any other Directory error is
// returned.
func (c *Channel) Status(ctx context.Context, dir Directory, now time.Time) (TeamStatus, error) {
	var ts TeamStatus
	found := false
	gated, err := c.eval(ctx, dir, now, func(m Member) bool {
		ts.Members = append(ts.Members, m)
		if m.Status.rank() > ts.Status.rank() {
			ts.Status = m.Status
		}
		return false
	}, &found)
	if err != nil {
		return TeamStatus{}, err
	}
	switch {
	case gated:
		ts.Status = Offline
		ts.NextOpen, _ = c.Hours.NextOpen(now)
	case found && c.mode() != ByUsers:
		ts.Status = Available
	}
	return ts, nil
}

func (c *Channel) mode() Mode {
	if c.Mode == "" {
		return Always
	}
	return c.Mode
}

// eval decides availability. For ByUsers within hours it calls visit for
// every member in order until visit returns true after an Available member.
// It sets *avail and reports whether office hours closed the channel.
func (c *Channel) eval(ctx context.Context, dir Directory, now time.Time, visit func(Member) bool, avail *bool) (gated bool, err error) {
	if err := c.Mode.Validate(); err != nil {
		return false, err
	}
	switch c.mode() {
	case Always:
		*avail = true
		return false, nil
	case ByOfficeHours:
		*avail = c.Hours.Open(now)
		return !*avail, nil
	}
	if !c.Hours.Open(now) {
		return true, nil
	}
	if dir == nil {
		return false, ErrNoDirectory
	}
	var seen map[string]struct{}
	check := func(id string) (stop bool, err error) {
		if seen == nil {
			seen = make(map[string]struct{})
		}
		if _, dup := seen[id]; dup {
			return false, nil
		}
		seen[id] = struct{}{}
		st, err := dir.UserStatus(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			st, err = Offline, nil
		}
		if err != nil {
			return true, fmt.Errorf("availability: status of user %q: %w", id, err)
		}
		if st == Available {
			*avail = true
		}
		return visit(Member{UserID: id, Status: st}) && st == Available, nil
	}
	for _, id := range c.UserIDs {
		if stop, err := check(id); stop || err != nil {
			return false, err
		}
	}
	for _, team := range c.TeamIDs {
		members, err := dir.TeamMembers(ctx, team)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("availability: members of team %q: %w", team, err)
		}
		for _, id := range members {
			if stop, err := check(id); stop || err != nil {
				return false, err
			}
		}
	}
	return false, nil
}
