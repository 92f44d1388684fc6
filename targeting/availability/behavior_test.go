package availability

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/chatflow/chatflow/condition"
)

func TestStateOf(t *testing.T) {
	for _, tc := range []struct {
		ts   TeamStatus
		open bool
		want State
	}{
		{TeamStatus{Status: Available}, true, StateAvailable},
		{TeamStatus{Status: Available}, false, StateOffline},
		{TeamStatus{Status: AtCapacity}, true, StateAtCapacity},
		{TeamStatus{Status: Away}, true, StateAway},
		{TeamStatus{Status: Offline}, true, StateAway},
	} {
		if got := StateOf(tc.ts, tc.open); got != tc.want {
			t.Errorf("StateOf(%v, %v) = %s, want %s", tc.ts.Status, tc.open, got, tc.want)
		}
	}
}

func TestPresence(t *testing.T) {
	back := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	var b Behaviors
	if err := json.Unmarshal([]byte(`{"available":{"typicalResponseTime":"minutes"},"away":{"message":"Back soon."},
	  "offline":{"show":"away_message"},"atCapacity":{"show":"hide_launcher"}}`), &b); err != nil {
		t.Fatal(err)
	}
	var zero Behaviors
	for _, tc := range []struct {
		name string
		b    *Behaviors
		s    State
		want Presence
	}{
		{"available", &b, StateAvailable, Presence{State: StateAvailable, TypicalResponseTime: ResponseMinutes}},
		{"away", &b, StateAway, Presence{State: StateAway, AwayMessage: true, Message: "Back soon."}},
		{"offline: away message", &b, StateOffline, Presence{State: StateOffline, AwayMessage: true, Message: "Back soon."}},
		{"at capacity: hidden", &b, StateAtCapacity, Presence{State: StateAtCapacity, HideLauncher: true}},
		{"zero available", &zero, StateAvailable, Presence{State: StateAvailable}},
		{"zero away", &zero, StateAway, Presence{State: StateAway, AwayMessage: true}},
		{"zero offline: return time", &zero, StateOffline, Presence{State: StateOffline, ReturnTime: back}},
		{"zero at capacity: waiting", &zero, StateAtCapacity, Presence{State: StateAtCapacity, WaitingMessage: true}},
		{"offline hidden", &Behaviors{Offline: OfflineBehavior{Show: HideLauncher}}, StateOffline, Presence{State: StateOffline, HideLauncher: true}},
		{"at capacity: nothing", &Behaviors{Available: b.Available, AtCapacity: AtCapacityBehavior{Show: ShowNothing}}, StateAtCapacity,
			Presence{State: StateAtCapacity, TypicalResponseTime: ResponseMinutes}},
	} {
		if got := tc.b.Presence(tc.s, back); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestBehaviorsValidate(t *testing.T) {
	var nilB *Behaviors
	if err := nilB.Validate(); err != nil {
		t.Error(err)
	}
	b := Behaviors{Available: AvailableBehavior{TypicalResponseTime: "week"}, Offline: OfflineBehavior{Show: "blink"}, AtCapacity: AtCapacityBehavior{Show: "wait"}}
	err := b.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v", err)
	}
	var paths []string
	for _, p := range condition.Problems(err) {
		paths = append(paths, p.Path)
	}
	want := []string{"available.typicalResponseTime", "offline.show", "atCapacity.show"}
	if len(paths) != len(want) {
		t.Fatalf("paths %v, want %v", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Errorf("paths %v, want %v", paths, want)
		}
	}
}
