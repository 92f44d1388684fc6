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
// newStore is called once per subtest.
func TestLists(t *testing.T, newStore func(t *testing.T) (s store.Lists, listID string)) {
	testJoin(t, "list", func(t *testing.T) (func(ctx context.Context, groupID, contactID string) error, string) {
		s, id := newStore(t)
		return s.AddToList, id
	})
}

// TestWorkflows checks a store.Workflows: ErrNotFound for an unknown
// workflow, enrolling a contact again is not an error, and concurrent
// enrollments in one workflow succeed. store.Workflows cannot create
// workflows, so newStore returns, with the store, the ID of an active
// workflow in it; the suite enrolls contacts with unique IDs.
//
// newStore is called once per subtest.
func TestWorkflows(t *testing.T, newStore func(t *testing.T) (s store.Workflows, workflowID string)) {
	testJoin(t, "workflow", func(t *testing.T) (func(ctx context.Context, groupID, contactID string) error, string) {
		s, id := newStore(t)
		return s.Enroll, id
	})
}

// testJoin checks an operation that makes a contact a member of an
// existing group (a list or a workflow) identified by ID.
func testJoin(t *testing.T, group string, newJoin func(t *testing.T) (join func(ctx context.Context, groupID, contactID string) error, groupID string)) {
	t.Run("Unknown", func(t *testing.T) {
		join, _ := newJoin(t)
		err := join(ctx(t), uniqueKey(t, group), uniqueKey(t, "contact"))
		wantErr(t, "adding a contact to an unknown "+group, err, store.ErrNotFound)
	})

	t.Run("Twice", func(t *testing.T) {
		join, id := newJoin(t)
		c := uniqueKey(t, "contact")
		for _, what := range []string{"adding a contact to a " + group, "adding the contact again"} {
			noErr(t, what, join(ctx(t), id, c))
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		join, id := newJoin(t)
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

// TestTickets checks a store.Tickets: every ticket gets its own non-empty
// ID, and calls with an idempotency key used before return the first
// ticket's ID, also when they run concurrently.
//
// newStore is called once per subtest.
func TestTickets(t *testing.T, newStore func(t *testing.T) store.Tickets) {
	ticket := func(t *testing.T, name string) store.Ticket {
		return store.Ticket{Name: name, Pipeline: "0", Status: "1", Priority: store.TicketHigh,
			Description: "opened by storetest", ContactID: uniqueKey(t, "contact"), ConversationID: uniqueKey(t, "conversation")}
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
