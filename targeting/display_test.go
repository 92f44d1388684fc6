package targeting

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/condition"
)

func decodeDisplay(t *testing.T, js string) *Display {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	var d Display
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &d
}

func TestDisplayValid(t *testing.T) {
	for _, js := range []string{
		`{}`,
		`{"heading":{"name":"Ava","avatarUrl":"https://cdn.example.com/ava.png"}}`,
		`{"heading":{"type":"custom","name":"Support bot"},"accentColor":"#F80"}`,
		`{"heading":{"type":"users","userIds":["u1","u2","u3","u4"]},"desktopBehavior":"open_chat","mobileBehavior":"pop_message",
		  "triggers":{"exitIntent":true,"timeOnPageSeconds":20,"scrollPercent":50},"accentColor":"#ff7a59","brandingAlias":"Example Support"}`,
		`{"heading":{"type":"contact_owner","fallbackUserId":"u9"},"desktopBehavior":"launcher_only","mobileBehavior":"pop_message","triggers":{"scrollPercent":100}}`,
	} {
		if err := decodeDisplay(t, js).Validate(); err != nil {
			t.Errorf("%s: %v", js, err)
		}
	}
	var nilDisplay *Display
	if err := nilDisplay.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDisplayErrors(t *testing.T) {
	tests := []struct {
		js   string
		want []string
	}{
		{`{"heading":{"type":"bot"}}`, []string{`heading.type: unknown heading type "bot"`}},
		{`{"heading":{"userIds":["u1"]}}`, []string{`heading.type: missing heading type`}},
		{`{"heading":{"type":"custom"}}`, []string{`heading.name: a custom heading needs a name`}},
		{`{"heading":{"name":"A","avatarUrl":"ava.png"}}`, []string{`heading.avatarUrl: "ava.png" is not an absolute http(s) URL`}},
		{`{"heading":{"name":"A\u0007"}}`, []string{`heading.name: contains control characters`}},
		{`{"heading":{"type":"users"}}`, []string{`heading.userIds: a users heading needs at least one user`}},
		{`{"heading":{"type":"users","userIds":["u1","","u1"]}}`, []string{`heading.userIds[1]: empty user ID`, `heading.userIds[2]: user "u1" is listed twice`}},
		{`{"heading":{"type":"users","userIds":["u1"],"name":"A","fallbackUserId":"u2"}}`, []string{`heading.name: only a custom heading has a name`, `heading.fallbackUserId: only a contact_owner heading has a fallback user`}},
		{`{"heading":{"type":"contact_owner"}}`, []string{`heading.fallbackUserId: a contact_owner heading needs a fallback user`}},
		{`{"heading":{"type":"contact_owner","fallbackUserId":"u","userIds":["x"],"avatarUrl":"https://x.com/a.png"}}`, []string{`heading.avatarUrl: only a custom heading has an avatar`, `heading.userIds: only a users heading has users`}},
		{`{"desktopBehavior":"popup"}`, []string{`desktopBehavior: unknown behaviour "popup"`}},
		{`{"mobileBehavior":"open_chat"}`, []string{`mobileBehavior: "open_chat" is for desktop only`}},
		{`{"mobileBehavior":"hidden"}`, []string{`mobileBehavior: unknown behaviour "hidden"`}},
		{`{"triggers":{"timeOnPageSeconds":-1,"scrollPercent":101}}`, []string{`triggers.timeOnPageSeconds: -1 is outside 0 to 3600`, `triggers.scrollPercent: 101 is outside 0 to 100`}},
		{`{"desktopBehavior":"launcher_only","triggers":{"exitIntent":true}}`, []string{`triggers: triggers have no effect when both desktopBehavior and mobileBehavior are "launcher_only"`}},
		{`{"accentColor":"orange"}`, []string{`accentColor: "orange" is not a colour (#rgb or #rrggbb)`}},
		{`{"accentColor":"#12345g"}`, []string{`accentColor: "#12345g" is not a colour`}},
		{`{"brandingAlias":"` + strings.Repeat("x", 101) + `"}`, []string{`brandingAlias: longer than 100 characters`}},
	}
	for _, tt := range tests {
		err := decodeDisplay(t, tt.js).Validate()
		if err == nil {
			t.Errorf("%s: no error", tt.js)
			continue
		}
		var de *condition.Error
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &de) || de.Err != ErrInvalid {
			t.Errorf("%s: %v is not a *condition.Error of kind ErrInvalid", tt.js, err)
		}
		if n := len(condition.Problems(err)); n != len(tt.want) {
			t.Errorf("%s: %d problems, want %d", tt.js, n, len(tt.want))
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != len(tt.want) {
			t.Errorf("%s: got\n%v\nwant %d errors", tt.js, err, len(tt.want))
			continue
		}
		for i, w := range tt.want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%s: error %d = %q, want prefix %q", tt.js, i, lines[i], w)
			}
		}
	}
}

func TestDisplayBehavior(t *testing.T) {
	var zero Display
	if zero.Behavior(Desktop) != BehaviorPopMessage || zero.Behavior(Mobile) != BehaviorLauncherOnly || zero.Behavior(Tablet) != BehaviorPopMessage || zero.Behavior("") != BehaviorPopMessage {
		t.Error("defaults")
	}
	d := Display{DesktopBehavior: BehaviorOpenChat, MobileBehavior: BehaviorPopMessage}
	if d.Behavior(Tablet) != BehaviorOpenChat || d.Behavior(Mobile) != BehaviorPopMessage {
		t.Error("configured behaviours")
	}
	if (Triggers{}).Any() || !(Triggers{ScrollPercent: 10}).Any() {
		t.Error("Triggers.Any")
	}
}

func TestShownUsers(t *testing.T) {
	few := Heading{Type: HeadingUsers, UserIDs: []string{"a", "b"}}
	if got := few.ShownUsers(nil); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("few users: %v", got)
	}
	many := Heading{Type: HeadingUsers, UserIDs: []string{"a", "b", "c", "d", "e"}}
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for range 50 {
		got := many.ShownUsers(r.IntN)
		if len(got) != HeadingMaxUsers {
			t.Fatalf("shown %v", got)
		}
		for i, id := range got {
			if !slices.Contains(many.UserIDs, id) || slices.Index(got, id) != i {
				t.Fatalf("shown %v", got)
			}
			seen[id] = true
		}
	}
	if len(seen) != 5 {
		t.Errorf("over 50 picks only %v were shown", seen)
	}
	if !slices.Equal(many.UserIDs, []string{"a", "b", "c", "d", "e"}) {
		t.Error("ShownUsers changed UserIDs")
	}
	// Deterministic with injected randomness.
	first := many.ShownUsers(func(int) int { return 0 })
	if !slices.Equal(first, []string{"a", "b", "c"}) {
		t.Errorf("intn=0 picks %v", first)
	}
	owner := Heading{Type: HeadingContactOwner, FallbackUserID: "x"}
	if owner.ShownUsers(r.IntN) != nil {
		t.Error("contact owner heading shows users")
	}
}
