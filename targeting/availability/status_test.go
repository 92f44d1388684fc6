package availability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/store"
)

func TestStatusText(t *testing.T) {
	for _, s := range []Status{Offline, Available, Away, AtCapacity} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Status
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%v: round trip gave %v, %v", s, back, err)
		}
	}
	if got, _ := json.Marshal(AtCapacity); string(got) != `"at_capacity"` {
		t.Errorf("AtCapacity marshals to %s", got)
	}
	var s Status
	if err := json.Unmarshal([]byte(`"busy"`), &s); err == nil {
		t.Error("unknown status accepted")
	}
	if _, err := json.Marshal(Status(9)); err == nil {
		t.Error("invalid status marshalled")
	}
	if Status(9).String() != "Status(9)" {
		t.Error(Status(9).String())
	}
	var zero Status
	if zero != Offline {
		t.Error("zero Status is not Offline")
	}
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	var m Memory // the zero value is ready to use
	if _, err := m.UserStatus(ctx, "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := m.TeamMembers(ctx, "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown team: %v", err)
	}
	m.SetStatus("u1", Away)
	members := []string{"u1", "u2"}
	m.SetTeam("t1", members...)
	members[0] = "changed"
	if s, err := m.UserStatus(ctx, "u1"); err != nil || s != Away {
		t.Errorf("UserStatus = %v, %v", s, err)
	}
	got, err := m.TeamMembers(ctx, "t1")
	if err != nil || !slices.Equal(got, []string{"u1", "u2"}) {
		t.Errorf("TeamMembers = %v, %v", got, err)
	}
	got[0] = "mutated"
	if again, _ := m.TeamMembers(ctx, "t1"); again[0] != "u1" {
		t.Error("TeamMembers shares memory with the directory")
	}
	m.RemoveUser("u1")
	m.RemoveTeam("t1")
	if _, err := m.UserStatus(ctx, "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Error("removed user still found")
	}
	if _, err := m.TeamMembers(ctx, "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Error("removed team still found")
	}
}

func TestMemoryConcurrent(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := fmt.Sprintf("u%d", i%10)
				m.SetStatus(id, Status(i%4))
				m.SetTeam("t", id)
				_, _ = m.UserStatus(ctx, id)
				_, _ = m.TeamMembers(ctx, "t")
				ch := Channel{Mode: ByUsers, TeamIDs: []string{"t"}}
				_, _ = ch.Status(ctx, m, time.Time{})
				if g == 0 && i%50 == 0 {
					m.RemoveUser(id)
				}
			}
		}()
	}
	wg.Wait()
}

// countingDir counts calls and can fail.
type countingDir struct {
	*Memory
	calls   int
	failFor string
}

func (d *countingDir) UserStatus(ctx context.Context, id string) (Status, error) {
	d.calls++
	if id == d.failFor {
		return Offline, errors.New("directory down")
	}
	return d.Memory.UserStatus(ctx, id)
}

func TestChannel(t *testing.T) {
	ctx := context.Background()
	mem := NewMemory()
	mem.SetStatus("away", Away)
	mem.SetStatus("busy", AtCapacity)
	mem.SetStatus("free", Available)
	mem.SetStatus("off", Offline)
	mem.SetTeam("support", "away", "free")
	mem.SetTeam("night", "off")

	weekdays := mustCompile(t, `{"hours":{"monday":[{"from":"09:00","to":"17:00"}]}}`)
	inHours := utc(t, "2026-01-05 10:00")  // Monday
	outHours := utc(t, "2026-01-05 18:00") // Monday evening
	nextMonday := utc(t, "2026-01-12 09:00")

	tests := []struct {
		name     string
		ch       Channel
		now      time.Time
		avail    bool
		status   Status
		next     time.Time
		members  []Member
		maxCalls int // calls Available may make; 0 means no limit checked
	}{
		{name: "zero channel is 24/7", now: outHours, avail: true, status: Available},
		{name: "always ignores hours", ch: Channel{Mode: Always, Hours: weekdays}, now: outHours, avail: true, status: Available},
		{name: "office hours open", ch: Channel{Mode: ByOfficeHours, Hours: weekdays}, now: inHours, avail: true, status: Available},
		{name: "office hours closed", ch: Channel{Mode: ByOfficeHours, Hours: weekdays}, now: outHours, status: Offline, next: nextMonday},
		{name: "office hours nil is 24/7", ch: Channel{Mode: ByOfficeHours}, now: outHours, avail: true, status: Available},
		{
			name: "users: one away, one at capacity", ch: Channel{Mode: ByUsers, UserIDs: []string{"away", "busy"}},
			now: inHours, status: AtCapacity,
			members: []Member{{"away", Away}, {"busy", AtCapacity}},
		},
		{
			name: "users: away only", ch: Channel{Mode: ByUsers, UserIDs: []string{"off", "away"}},
			now: inHours, status: Away,
			members: []Member{{"off", Offline}, {"away", Away}},
		},
		{
			name: "users: team member available, repeats skipped", ch: Channel{Mode: ByUsers, UserIDs: []string{"away", "busy"}, TeamIDs: []string{"missing", "support", "night"}},
			now: inHours, avail: true, status: Available, maxCalls: 3,
			members: []Member{{"away", Away}, {"busy", AtCapacity}, {"free", Available}, {"off", Offline}},
		},
		{
			name: "users: unknown user is offline", ch: Channel{Mode: ByUsers, UserIDs: []string{"ghost"}},
			now: inHours, status: Offline, members: []Member{{"ghost", Offline}},
		},
		{name: "users: nobody assigned", ch: Channel{Mode: ByUsers}, now: inHours, status: Offline},
		{
			name: "users: outside office hours", ch: Channel{Mode: ByUsers, Hours: weekdays, UserIDs: []string{"free"}},
			now: outHours, status: Offline, next: nextMonday, maxCalls: -1,
		},
		{
			name: "users: inside office hours", ch: Channel{Mode: ByUsers, Hours: weekdays, UserIDs: []string{"free", "away"}},
			now: inHours, avail: true, status: Available, maxCalls: 1,
			members: []Member{{"free", Available}, {"away", Away}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := &countingDir{Memory: mem}
			avail, err := tt.ch.Available(ctx, dir, tt.now)
			if err != nil || avail != tt.avail {
				t.Errorf("Available = %v, %v; want %v", avail, err, tt.avail)
			}
			switch {
			case tt.maxCalls < 0 && dir.calls != 0:
				t.Errorf("Available asked the directory %d times, want none", dir.calls)
			case tt.maxCalls > 0 && dir.calls > tt.maxCalls:
				t.Errorf("Available asked the directory %d times, want at most %d", dir.calls, tt.maxCalls)
			}
			ts, err := tt.ch.Status(ctx, dir, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if ts.Status != tt.status || !ts.NextOpen.Equal(tt.next) || !slices.Equal(ts.Members, tt.members) {
				t.Errorf("Status = %+v; want status %v, next %v, members %v", ts, tt.status, tt.next, tt.members)
			}
		})
	}
}

func TestChannelErrors(t *testing.T) {
	ctx := context.Background()
	now := utc(t, "2026-01-05 10:00")
	mem := NewMemory()
	mem.SetStatus("a", Away)
	mem.SetTeam("t", "a", "b")

	if _, err := (&Channel{Mode: ByUsers, UserIDs: []string{"a"}}).Available(ctx, nil, now); !errors.Is(err, ErrNoDirectory) {
		t.Errorf("nil directory: %v", err)
	}
	if _, err := (&Channel{Mode: "sometimes"}).Status(ctx, mem, now); err == nil {
		t.Error("unknown mode accepted")
	}
	failing := &countingDir{Memory: mem, failFor: "b"}
	ch := Channel{Mode: ByUsers, TeamIDs: []string{"t"}}
	if _, err := ch.Available(ctx, failing, now); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("directory failure: %v", err)
	}
	if ts, err := ch.Status(ctx, failing, now); err == nil || ts.Status != Offline || ts.Members != nil {
		t.Errorf("Status on failure = %+v, %v", ts, err)
	}
	teamDown := teamErrDir{mem}
	if _, err := ch.Available(ctx, teamDown, now); err == nil {
		t.Error("team lookup failure ignored")
	}
	for _, m := range []Mode{"", Always, ByUsers, ByOfficeHours} {
		if err := m.Validate(); err != nil {
			t.Errorf("%q: %v", m, err)
		}
	}
}

type teamErrDir struct{ *Memory }

func (teamErrDir) TeamMembers(context.Context, string) ([]string, error) {
	return nil, errors.New("teams unavailable")
}
