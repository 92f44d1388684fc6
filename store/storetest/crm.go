package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/chatflow/chatflow/store"
)

// TestLists checks a store.Lists: ErrNotFound for an unknown list, adding
// a contact again is not an error, and concurrent adds to one list succeed.
// store.Lists cannot create lists, so newStore returns, with the store,
// the ID of a list that exists in it; the suite adds contacts with unique
// IDs to it.
//
// A store that holds memberships by contact must be erasable: the Forget
// subtest checks that after store.Forgetter's Forget, store.ListReader
// finds none of the contact's memberships and no one else's is lost. It
// fails for a Forgetter without ListReader (nothing could tell what Forget
// left behind), and is skipped for a store without Forgetter.
//
// newStore is called once per subtest.
func TestLists(t *testing.T, newStore func(t *testing.T) (s store.Lists, listID string)) {
	testJoin(t, "list", func(t *testing.T) (joinStore, string) {
		s, id := newStore(t)
		js := joinStore{join: s.AddToList, store: s}
		if r, ok := s.(store.ListReader); ok {
			js.groupsOf, js.reader = r.ListsOf, true
		}
		return js, id
	})
}

// TestWorkflows checks a store.Workflows: ErrNotFound for an unknown
// workflow, enrolling a contact again is not an error, and concurrent
// enrollments in one workflow succeed. store.Workflows cannot create
// workflows, so newStore returns, with the store, the ID of an active
// workflow in it; the suite enrolls contacts with unique IDs.
//
// The Forget subtest checks erasure as TestLists does, with
// store.WorkflowReader in place of store.ListReader.
//
// newStore is called once per subtest.
func TestWorkflows(t *testing.T, newStore func(t *testing.T) (s store.Workflows, workflowID string)) {
	testJoin(t, "workflow", func(t *testing.T) (joinStore, string) {
		s, id := newStore(t)
		js := joinStore{join: s.Enroll, store: s}
		if r, ok := s.(store.WorkflowReader); ok {
			js.groupsOf, js.reader = r.EnrollmentsOf, true
		}
		return js, id
	})
}

// joinStore is a list or workflow store as testJoin sees it.
type joinStore struct {
	// join makes a contact a member of a group.
	join func(ctx context.Context, groupID, contactID string) error
	// groupsOf lists the groups of a contact; valid when reader is true.
	groupsOf func(ctx context.Context, contactID string) ([]string, error)
	reader   bool
	// store is the store under test, probed for store.Forgetter.
	store any
}

// testJoin checks an operation that makes a contact a member of an
// existing group (a list or a workflow) identified by ID.
func testJoin(t *testing.T, group string, newJoin func(t *testing.T) (js joinStore, groupID string)) {
	t.Run("Unknown", func(t *testing.T) {
		js, _ := newJoin(t)
		err := js.join(ctx(t), uniqueKey(t, group), uniqueKey(t, "contact"))
		wantErr(t, "adding a contact to an unknown "+group, err, store.ErrNotFound)
	})

	t.Run("Twice", func(t *testing.T) {
		js, id := newJoin(t)
		c := uniqueKey(t, "contact")
		for _, what := range []string{"adding a contact to a " + group, "adding the contact again"} {
			noErr(t, what, js.join(ctx(t), id, c))
		}
		if js.reader {
			expectGroups(t, js, c, []string{id})
		}
	})

	t.Run("Forget", func(t *testing.T) {
		js, id := newJoin(t)
		f, ok := js.store.(store.Forgetter)
		if !ok {
			t.Skip("the store does not implement store.Forgetter: memberships cannot be erased")
		}
		if !js.reader {
			t.Fatalf("the store implements store.Forgetter but cannot list a contact's %ss (store.ListReader, store.WorkflowReader)", group)
		}
		gone, kept := uniqueKey(t, "gone"), uniqueKey(t, "kept")
		for _, c := range []string{gone, kept} {
			noErr(t, "adding a contact to a "+group, js.join(ctx(t), id, c))
		}
		expectGroups(t, js, gone, []string{id})
		noErr(t, "Forget", f.Forget(ctx(t), gone))
		expectGroups(t, js, gone, nil)
		expectGroups(t, js, kept, []string{id})
		noErr(t, "Forget again", f.Forget(ctx(t), gone))
		noErr(t, "Forget(unknown contact)", f.Forget(ctx(t), uniqueKey(t, "unknown")))
		// A forgotten contact may join again.
		noErr(t, "adding a forgotten contact again", js.join(ctx(t), id, gone))
		expectGroups(t, js, gone, []string{id})
	})

	t.Run("Concurrent", func(t *testing.T) {
		js, id := newJoin(t)
		join := js.join
		var wg sync.WaitGroup
		for i := range 10 {
			c := uniqueKey(t, fmt.Sprint(i))
			for range 2 { // each contact twice
				wg.Go(func() {
					if err := join(ctx(t), id, c); err != nil {
						t.Errorf("adding contact %s to %s %s: %v", c, group, id, err)
					}
				})
			}
		}
		wg.Wait()
	})
}

// expectGroups checks the groups a contact is a member of, in any order.
func expectGroups(t *testing.T, js joinStore, contactID string, want []string) {
	t.Helper()
	got, err := js.groupsOf(ctx(t), contactID)
	if err != nil {
		t.Errorf("groups of %s: %v", contactID, err)
		return
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("groups of %s = %q, want %q", contactID, got, want)
	}
}

// TestTickets checks a store.Tickets: every ticket gets its own non-empty
// ID, and calls with an idempotency key used before return the first
// ticket's ID, also when they run concurrently.
//
// A store that implements store.TicketReader must return a contact's
// tickets as they were created, oldest first. A store that holds tickets
// by contact must be erasable: the Forget subtest checks that after
// store.Forgetter's Forget no ticket of the contact is returned and no one
// else's is lost. It fails for a Forgetter without TicketReader, and is
// skipped for a store without Forgetter.
//
// newStore is called once per subtest.
func TestTickets(t *testing.T, newStore func(t *testing.T) store.Tickets) {
	ticket := func(t *testing.T, name string) store.Ticket {
		return store.Ticket{Name: name, Pipeline: "0", Status: "1", Priority: store.TicketHigh,
			Description: "opened by storetest", ContactID: uniqueKey(t, "contact"), ConversationID: uniqueKey(t, "conversation"),
			OwnerID: "owner-" + name, UserIDs: []string{"u1", "u2"}, TeamIDs: []string{"support"}}
	}
	create := func(t *testing.T, s store.Tickets, key string, tk store.Ticket) string {
		t.Helper()
		id, err := s.CreateTicket(ctx(t), key, tk)
		noErr(t, "CreateTicket", err)
		if id == "" {
			t.Fatal("CreateTicket returned an empty ID")
		}
		return id
	}

	t.Run("TicketIDs", func(t *testing.T) {
		s := newStore(t)
		a := create(t, s, uniqueKey(t, "a"), ticket(t, "a"))
		b := create(t, s, uniqueKey(t, "b"), ticket(t, "b"))
		if a == b {
			t.Errorf("two tickets with different keys got the same ID %q", a)
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		first := create(t, s, key, ticket(t, "first"))
		// A retried turn may build the ticket again, slightly differently.
		if again := create(t, s, key, ticket(t, "again")); again != first {
			t.Errorf("CreateTicket with a used key returned ID %q, want the first ticket's %q", again, first)
		}
	})

	t.Run("TicketsOf", func(t *testing.T) {
		s := newStore(t)
		r, ok := s.(store.TicketReader)
		if !ok {
			t.Skip("the store does not implement store.TicketReader")
		}
		first, second := ticket(t, "first"), ticket(t, "second")
		second.ContactID, second.Priority, second.Description = first.ContactID, "", ""
		a := create(t, s, uniqueKey(t, "a"), first)
		b := create(t, s, uniqueKey(t, "b"), second)
		create(t, s, uniqueKey(t, "again"), ticket(t, "someone else's"))
		expectTickets(t, r, first.ContactID, []store.StoredTicket{{ID: a, Ticket: first}, {ID: b, Ticket: second}})
		expectTickets(t, r, uniqueKey(t, "nobody"), nil)
	})

	t.Run("Forget", func(t *testing.T) {
		s := newStore(t)
		f, ok := s.(store.Forgetter)
		if !ok {
			t.Skip("the store does not implement store.Forgetter: tickets cannot be erased")
		}
		r, ok := s.(store.TicketReader)
		if !ok {
			t.Fatal("the store implements store.Forgetter but cannot list a contact's tickets (store.TicketReader)")
		}
		gone, kept := ticket(t, "gone"), ticket(t, "kept")
		goneKey := uniqueKey(t, "gone")
		create(t, s, goneKey, gone)
		create(t, s, uniqueKey(t, "gone-2"), gone)
		keptID := create(t, s, uniqueKey(t, "kept"), kept)
		noErr(t, "Forget", f.Forget(ctx(t), gone.ContactID))
		expectTickets(t, r, gone.ContactID, nil)
		expectTickets(t, r, kept.ContactID, []store.StoredTicket{{ID: keptID, Ticket: kept}})
		noErr(t, "Forget again", f.Forget(ctx(t), gone.ContactID))
		noErr(t, "Forget(unknown contact)", f.Forget(ctx(t), uniqueKey(t, "unknown")))
		// New tickets may be created for the contact afterwards.
		again := create(t, s, uniqueKey(t, "after"), gone)
		expectTickets(t, r, gone.ContactID, []store.StoredTicket{{ID: again, Ticket: gone}})
	})

	t.Run("ConcurrentIdempotent", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		const callers = 10
		ids := make([]string, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				id, err := s.CreateTicket(ctx(t), key, ticket(t, fmt.Sprint(i)))
				if err != nil {
					t.Errorf("CreateTicket: %v", err)
				}
				ids[i] = id
			})
		}
		wg.Wait()
		for i, id := range ids {
			if id != ids[0] {
				t.Errorf("concurrent CreateTicket calls with one key returned IDs %q and %q", ids[0], ids[i])
				break
			}
		}
	})
}

// expectTickets checks a contact's tickets, in order.
func expectTickets(t *testing.T, r store.TicketReader, contactID string, want []store.StoredTicket) {
	t.Helper()
	got, err := r.TicketsOf(ctx(t), contactID)
	if err != nil {
		t.Errorf("TicketsOf(%s): %v", contactID, err)
		return
	}
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
		t.Errorf("TicketsOf(%s) = %+v, want %+v", contactID, got, want)
	}
}

// TestMeetings checks a store.Meetings: ErrNotFound for an unknown link,
// links read back as given, and returned links that share no memory with
// the store.
//
// newStore is called once per subtest and must return a store holding the
// given links (it may hold others).
func TestMeetings(t *testing.T, newStore func(t *testing.T, links map[string]store.MeetingLink) store.Meetings) {
	t.Run("LinkNotFound", func(t *testing.T) {
		s := newStore(t, nil)
		_, err := s.Link(ctx(t), uniqueKey(t, ""))
		wantErr(t, "Link(missing)", err, store.ErrNotFound)
	})

	t.Run("LinkRoundTrip", func(t *testing.T) {
		full, plain := uniqueKey(t, "full"), uniqueKey(t, "plain")
		links := map[string]store.MeetingLink{
			full: {URL: "https://meetings.example.com/ann", CustomFields: []string{"company", "phone"},
				AvailableSoon: true, Captcha: true, PrivacyConsent: true},
			plain: {URL: "https://meetings.example.com/bob"},
		}
		s := newStore(t, links)
		for id, want := range links {
			expectLink(t, s, id, want)
		}
	})

	t.Run("LinkCopies", func(t *testing.T) {
		id := uniqueKey(t, "")
		want := store.MeetingLink{URL: "https://meetings.example.com/ann", CustomFields: []string{"company"}}
		s := newStore(t, map[string]store.MeetingLink{id: {URL: want.URL, CustomFields: []string{"company"}}})
		got, err := s.Link(ctx(t), id)
		noErr(t, "Link", err)
		if len(got.CustomFields) > 0 {
			got.CustomFields[0] = "scribbled"
		}
		expectLink(t, s, id, want)
	})
}

// expectLink checks the link stored under id.
func expectLink(t *testing.T, s store.Meetings, id string, want store.MeetingLink) {
	t.Helper()
	got, err := s.Link(ctx(t), id)
	if err != nil {
		t.Errorf("Link(%s): %v", id, err)
		return
	}
	// nil and empty CustomFields are the same.
	gotFields, wantFields := got.CustomFields, want.CustomFields
	got.CustomFields, want.CustomFields = nil, nil
	if !reflect.DeepEqual(got, want) || !slices.Equal(gotFields, wantFields) {
		t.Errorf("Link(%s) = %+v with custom fields %q, want %+v with %q", id, got, gotFields, want, wantFields)
	}
}
