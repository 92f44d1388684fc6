package storetest

import (
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/chatflow/chatflow/store"
)

// TestSubscriptions checks a store.Subscriptions: NotOptedInOrOut for a
// state never set, round trips kept apart by contact and subscription type,
// the refusal to opt an opted-out contact in again without their explicit
// choice (with an error matching store.ErrOptedOut), and concurrent writes that lose no state. When the
// store also implements store.Forgetter, it checks that Forget erases the
// contact's states and no one else's, and when it implements
// store.SubscriptionReader that nothing of the contact is listed
// afterwards; without Forgetter that subtest is skipped.
//
// newStore is called once per subtest.
func TestSubscriptions(t *testing.T, newStore func(t *testing.T) store.Subscriptions) {
	t.Run("NeverSet", func(t *testing.T) {
		s := newStore(t)
		expectState(t, s, uniqueKey(t, "contact"), uniqueKey(t, "type"), store.NotOptedInOrOut)
	})

	t.Run("SetState", func(t *testing.T) {
		s := newStore(t)
		ann, bob := uniqueKey(t, "ann"), uniqueKey(t, "bob")
		news, offers := uniqueKey(t, "news"), uniqueKey(t, "offers")
		noErr(t, "SetState", s.SetState(ctx(t), ann, news, store.OptedIn, false))
		expectState(t, s, ann, news, store.OptedIn)
		expectState(t, s, ann, offers, store.NotOptedInOrOut)
		expectState(t, s, bob, news, store.NotOptedInOrOut)
		noErr(t, "SetState", s.SetState(ctx(t), ann, news, store.OptedOut, false))
		expectState(t, s, ann, news, store.OptedOut)
	})

	t.Run("OptOutSticky", func(t *testing.T) {
		s := newStore(t)
		c, typ := uniqueKey(t, "contact"), uniqueKey(t, "type")
		noErr(t, "SetState(opted out)", s.SetState(ctx(t), c, typ, store.OptedOut, true))
		err := s.SetState(ctx(t), c, typ, store.OptedIn, false)
		if err == nil {
			t.Error("SetState opted an opted-out contact in again without their explicit choice")
		} else {
			wantErr(t, "SetState(opted in) of an opted-out contact", err, store.ErrOptedOut)
		}
		expectState(t, s, c, typ, store.OptedOut)
		noErr(t, "SetState(opted in, explicit)", s.SetState(ctx(t), c, typ, store.OptedIn, true))
		expectState(t, s, c, typ, store.OptedIn)
	})

	t.Run("Forget", func(t *testing.T) {
		s := newStore(t)
		f, ok := s.(store.Forgetter)
		if !ok {
			t.Skip("the store does not implement store.Forgetter")
		}
		gone, kept, typ, other := uniqueKey(t, "gone"), uniqueKey(t, "kept"), uniqueKey(t, "type"), uniqueKey(t, "other")
		noErr(t, "SetState", s.SetState(ctx(t), gone, typ, store.OptedOut, true))
		noErr(t, "SetState", s.SetState(ctx(t), gone, other, store.OptedIn, true))
		noErr(t, "SetState", s.SetState(ctx(t), kept, typ, store.OptedOut, true))
		r, reader := s.(store.SubscriptionReader)
		if reader {
			expectSubscriptions(t, r, gone, map[string]store.SubscriptionState{typ: store.OptedOut, other: store.OptedIn})
		}
		noErr(t, "Forget", f.Forget(ctx(t), gone))
		expectState(t, s, gone, typ, store.NotOptedInOrOut)
		expectState(t, s, gone, other, store.NotOptedInOrOut)
		expectState(t, s, kept, typ, store.OptedOut)
		if reader {
			expectSubscriptions(t, r, gone, nil)
			expectSubscriptions(t, r, kept, map[string]store.SubscriptionState{typ: store.OptedOut})
		}
		noErr(t, "Forget again", f.Forget(ctx(t), gone))
		noErr(t, "Forget(unknown contact)", f.Forget(ctx(t), uniqueKey(t, "unknown")))
	})

	t.Run("ConcurrentStates", func(t *testing.T) {
		s := newStore(t)
		c := uniqueKey(t, "contact")
		const types = 20
		var wg sync.WaitGroup
		for i := range types {
			typ := uniqueKey(t, fmt.Sprint(i))
			wg.Go(func() {
				if err := s.SetState(ctx(t), c, typ, store.OptedIn, false); err != nil {
					t.Errorf("SetState: %v", err)
					return
				}
				if err := s.SetState(ctx(t), c, typ, store.OptedOut, false); err != nil {
					t.Errorf("SetState: %v", err)
					return
				}
				expectState(t, s, c, typ, store.OptedOut)
			})
		}
		wg.Wait()
	})
}

// expectState checks the contact's state for a subscription type.
func expectState(t *testing.T, s store.Subscriptions, contactID, typ string, want store.SubscriptionState) {
	t.Helper()
	got, err := s.State(ctx(t), contactID, typ)
	if err != nil {
		t.Errorf("State(%s, %s): %v", contactID, typ, err)
		return
	}
	if got != want {
		t.Errorf("State(%s, %s) = %q, want %q", contactID, typ, got, want)
	}
}

// expectSubscriptions checks every recorded state of a contact.
func expectSubscriptions(t *testing.T, r store.SubscriptionReader, contactID string, want map[string]store.SubscriptionState) {
	t.Helper()
	got, err := r.SubscriptionsOf(ctx(t), contactID)
	if err != nil {
		t.Errorf("SubscriptionsOf(%s): %v", contactID, err)
		return
	}
	if !maps.Equal(got, want) {
		t.Errorf("SubscriptionsOf(%s) = %v, want %v", contactID, got, want)
	}
}
