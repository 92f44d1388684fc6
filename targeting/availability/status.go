package availability

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/chatflow/chatflow/store"
)

// Status is a user's availability for new chats. The zero value is Offline,
// so a user nobody reported on is never taken for available.
type Status uint8

const (
	// Offline: not signed in to chat, or outside the user's own hours. A
	// conversation assigned to an offline user waits in the inbox (or is
	// emailed to them).
	Offline Status = iota
	// Available: signed in and able to take a new chat now.
	Available
	// Away: signed in but set away; the visitor gets the away message.
	Away
	// AtCapacity: available, but already handling the maximum number of
	// open chats; the visitor gets the waiting message.
	AtCapacity
)

var statusNames = [...]string{Offline: "offline", Available: "available", Away: "away", AtCapacity: "at_capacity"}

// String returns "offline", "available", "away" or "at_capacity".
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// ParseStatus parses the name String returns.
func ParseStatus(name string) (Status, error) {
	for i, n := range statusNames {
		if n == name {
			return Status(i), nil
		}
	}
	return Offline, fmt.Errorf("availability: unknown status %q (want offline, available, away or at_capacity)", name)
}

// MarshalText encodes the status as its name, so it reads well in JSON.
func (s Status) MarshalText() ([]byte, error) {
	if int(s) >= len(statusNames) {
		return nil, fmt.Errorf("availability: invalid status %d", uint8(s))
	}
	return []byte(statusNames[s]), nil
}

// UnmarshalText decodes a status name.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// rank orders statuses for a team: the best one decides.
func (s Status) rank() int {
	switch s {
	case Available:
		return 3
	case AtCapacity:
		return 2
	case Away:
		return 1
	}
	return 0
}

// Directory is the port through which the host reports who is available.
// Implementations must be safe for concurrent use.
type Directory interface {
	// UserStatus returns a user's current status, or an error matching
	// store.ErrNotFound for an unknown user.
	UserStatus(ctx context.Context, userID string) (Status, error)
	// TeamMembers returns the user IDs of a team's members, or an error
	// matching store.ErrNotFound for an unknown team. The caller may keep
	// and modify the returned slice.
	TeamMembers(ctx context.Context, teamID string) ([]string, error)
}

// Memory is an in-memory Directory. The zero value is an empty directory
// ready to use; it is safe for concurrent use. A Memory must not be copied
// after first use.
type Memory struct {
	mu    sync.RWMutex
	users map[string]Status
	teams map[string][]string
}

// NewMemory returns an empty in-memory directory.
func NewMemory() *Memory { return &Memory{} }

// SetStatus records a user's status, adding the user if needed.
func (m *Memory) SetStatus(userID string, s Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users == nil {
		m.users = make(map[string]Status)
	}
	m.users[userID] = s
}

// SetTeam records a team and its members, replacing earlier members. Members
// need not be known users; an unknown member counts as offline.
func (m *Memory) SetTeam(teamID string, memberIDs ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.teams == nil {
		m.teams = make(map[string][]string)
	}
	m.teams[teamID] = slices.Clone(memberIDs)
}

// RemoveUser forgets a user; later lookups return store.ErrNotFound.
func (m *Memory) RemoveUser(userID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, userID)
}

// RemoveTeam forgets a team; later lookups return store.ErrNotFound.
func (m *Memory) RemoveTeam(teamID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.teams, teamID)
}

// UserStatus implements Directory.
func (m *Memory) UserStatus(_ context.Context, userID string) (Status, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.users[userID]
	if !ok {
		return Offline, fmt.Errorf("availability: user %q: %w", userID, store.ErrNotFound)
	}
	return s, nil
}

// TeamMembers implements Directory.
func (m *Memory) TeamMembers(_ context.Context, teamID string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	members, ok := m.teams[teamID]
	if !ok {
		return nil, fmt.Errorf("availability: team %q: %w", teamID, store.ErrNotFound)
	}
	return slices.Clone(members), nil
}
