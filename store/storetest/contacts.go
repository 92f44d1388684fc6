package storetest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chatflow/chatflow/store"
)

// TestContacts checks a store.Contacts: ErrNotFound for missing records,
// create/read round trips, merge semantics of UpdateContact with "" clearing
// a property, idempotent updates, case-insensitive email lookup that
// follows updates, copying of maps in both directions, unique IDs, and
// concurrent updates of one contact that lose no property. When the store
// implements store.ContactDeleter, the Delete subtest checks that a deleted
// contact is found neither by ID nor by email and cannot be updated;
// otherwise it is skipped. When it implements store.ContactPropertyReader,
// the PropertyReader subtest checks single reads against the same writes.
//
// newStore is called once per subtest.
func TestContacts(t *testing.T, newStore func(t *testing.T) store.Contacts) {
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		missing := uniqueKey(t, "")
		_, err := s.Contact(ctx(t), missing)
		wantErr(t, "Contact(missing)", err, store.ErrNotFound)
		_, err = s.ContactByEmail(ctx(t), uniqueEmail("nobody"))
		wantErr(t, "ContactByEmail(missing)", err, store.ErrNotFound)
		err = s.UpdateContact(ctx(t), missing, store.Properties{"firstname": "Ann"})
		wantErr(t, "UpdateContact(missing)", err, store.ErrNotFound)
		_, err = s.Contact(ctx(t), missing)
		wantErr(t, "Contact after UpdateContact(missing)", err, store.ErrNotFound)
	})

	t.Run("CreateAndRead", func(t *testing.T) {
		s := newStore(t)
		props := store.Properties{"firstname": "Ann", "lastname": "Lee", "email": uniqueEmail("ann")}
		c, err := s.CreateContact(ctx(t), props)
		noErr(t, "CreateContact", err)
		if c.ID == "" {
			t.Fatal("CreateContact returned an empty ID")
		}
		checkProps(t, "CreateContact result", c.Properties, props)
		got, err := s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		if got.ID != c.ID {
			t.Errorf("Contact(%q).ID = %q", c.ID, got.ID)
		}
		if got.CompanyID != "" {
			t.Errorf("new contact has CompanyID %q", got.CompanyID)
		}
		checkProps(t, "Contact", got.Properties, props)
	})

	t.Run("CreateEmpty", func(t *testing.T) {
		s := newStore(t)
		c, err := s.CreateContact(ctx(t), nil)
		noErr(t, "CreateContact(nil)", err)
		got, err := s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "Contact", got.Properties, nil)
	})

	t.Run("UniqueIDs", func(t *testing.T) {
		s := newStore(t)
		const n = 20
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c, err := s.CreateContact(ctx(t), store.Properties{"n": strconv.Itoa(i)})
				if err != nil {
					t.Errorf("CreateContact: %v", err)
				}
				ids[i] = c.ID
			})
		}
		wg.Wait()
		seen := make(map[string]int)
		for i, id := range ids {
			if j, dup := seen[id]; dup {
				t.Errorf("contacts %d and %d got the same ID %q", j, i, id)
			}
			seen[id] = i
			c, err := s.Contact(ctx(t), id)
			if err != nil {
				t.Errorf("Contact(%q): %v", id, err)
				continue
			}
			checkProps(t, "Contact "+id, c.Properties, store.Properties{"n": strconv.Itoa(i)})
		}
	})

	t.Run("UpdateMerges", func(t *testing.T) {
		s := newStore(t)
		c, err := s.CreateContact(ctx(t), store.Properties{"a": "1", "b": "2", "c": "3"})
		noErr(t, "CreateContact", err)
		update := store.Properties{"b": "20", "c": "", "d": "4", "e": ""}
		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, update))
		want := store.Properties{"a": "1", "b": "20", "d": "4"}
		got, err := s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "after update", got.Properties, want)

		// The engine repeats writes when a host retries a message.
		noErr(t, "repeated UpdateContact", s.UpdateContact(ctx(t), c.ID, update))
		got, err = s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "after repeated update", got.Properties, want)

		noErr(t, "UpdateContact(nil)", s.UpdateContact(ctx(t), c.ID, nil))
		got, err = s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "after empty update", got.Properties, want)
	})

	t.Run("EmailLookup", func(t *testing.T) {
		s := newStore(t)
		email := uniqueEmail("Ann.Lee")
		c, err := s.CreateContact(ctx(t), store.Properties{"email": email, "firstname": "Ann"})
		noErr(t, "CreateContact", err)
		_, err = s.CreateContact(ctx(t), store.Properties{"email": uniqueEmail("other")})
		noErr(t, "CreateContact", err)
		for _, e := range []string{email, strings.ToLower(email), strings.ToUpper(email)} {
			got, err := s.ContactByEmail(ctx(t), e)
			if err != nil {
				t.Errorf("ContactByEmail(%q): %v", e, err)
				continue
			}
			if got.ID != c.ID {
				t.Errorf("ContactByEmail(%q).ID = %q, want %q", e, got.ID, c.ID)
			}
			checkProps(t, "ContactByEmail", got.Properties, store.Properties{"email": email, "firstname": "Ann"})
		}
		_, err = s.ContactByEmail(ctx(t), "x"+email)
		wantErr(t, "ContactByEmail(other address)", err, store.ErrNotFound)
		_, err = s.ContactByEmail(ctx(t), "")
		wantErr(t, `ContactByEmail("")`, err, store.ErrNotFound)
	})

	t.Run("EmailFollowsUpdates", func(t *testing.T) {
		s := newStore(t)
		c, err := s.CreateContact(ctx(t), store.Properties{"firstname": "Ann"})
		noErr(t, "CreateContact", err)
		first := uniqueEmail("first")
		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, store.Properties{"email": first}))
		expectByEmail(t, s, strings.ToLower(first), c.ID)

		second := uniqueEmail("second")
		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, store.Properties{"email": second}))
		_, err = s.ContactByEmail(ctx(t), first)
		wantErr(t, "ContactByEmail(replaced address)", err, store.ErrNotFound)
		expectByEmail(t, s, strings.ToUpper(second), c.ID)

		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, store.Properties{"city": "Utrecht"}))
		expectByEmail(t, s, second, c.ID)

		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, store.Properties{"email": ""}))
		_, err = s.ContactByEmail(ctx(t), second)
		wantErr(t, "ContactByEmail(cleared address)", err, store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		d, ok := s.(store.ContactDeleter)
		if !ok {
			t.Skip("the store does not implement store.ContactDeleter: contacts cannot be erased")
		}
		email := uniqueEmail("gone")
		gone, err := s.CreateContact(ctx(t), store.Properties{"email": email, "firstname": "Ann"})
		noErr(t, "CreateContact", err)
		kept, err := s.CreateContact(ctx(t), store.Properties{"email": uniqueEmail("kept")})
		noErr(t, "CreateContact", err)
		noErr(t, "DeleteContact", d.DeleteContact(ctx(t), gone.ID))
		_, err = s.Contact(ctx(t), gone.ID)
		wantErr(t, "Contact after DeleteContact", err, store.ErrNotFound)
		_, err = s.ContactByEmail(ctx(t), email)
		wantErr(t, "ContactByEmail after DeleteContact", err, store.ErrNotFound)
		err = s.UpdateContact(ctx(t), gone.ID, store.Properties{"firstname": "Bo"})
		wantErr(t, "UpdateContact after DeleteContact", err, store.ErrNotFound)
		noErr(t, "DeleteContact again", d.DeleteContact(ctx(t), gone.ID))
		noErr(t, "DeleteContact(missing)", d.DeleteContact(ctx(t), uniqueKey(t, "missing")))
		_, err = s.Contact(ctx(t), kept.ID)
		noErr(t, "Contact(other contact) after DeleteContact", err)
		// The address is free for a new contact.
		again, err := s.CreateContact(ctx(t), store.Properties{"email": email})
		noErr(t, "CreateContact with a deleted contact's email", err)
		expectByEmail(t, s, email, again.ID)
	})

	t.Run("PropertyReader", func(t *testing.T) {
		s := newStore(t)
		r, ok := s.(store.ContactPropertyReader)
		if !ok {
			t.Skip("the store does not implement store.ContactPropertyReader")
		}
		_, _, err := r.ContactProperty(ctx(t), uniqueKey(t, ""), "firstname")
		wantErr(t, "ContactProperty(missing contact)", err, store.ErrNotFound)
		c, err := s.CreateContact(ctx(t), store.Properties{"firstname": "Ann", "email": uniqueEmail("ann")})
		noErr(t, "CreateContact", err)
		wantProp := func(name, want string, wantOK bool) {
			t.Helper()
			v, ok, err := r.ContactProperty(ctx(t), c.ID, name)
			noErr(t, "ContactProperty", err)
			if v != want || ok != wantOK {
				t.Errorf("ContactProperty(%q) = %q, %v; want %q, %v", name, v, ok, want, wantOK)
			}
		}
		wantProp("firstname", "Ann", true)
		wantProp("lastname", "", false)
		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, store.Properties{"firstname": "Anna", "lastname": "Lee"}))
		wantProp("firstname", "Anna", true)
		wantProp("lastname", "Lee", true)
		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, store.Properties{"lastname": ""}))
		// A cleared property is absent or stored as "", which callers
		// treat alike.
		if v, _, err := r.ContactProperty(ctx(t), c.ID, "lastname"); err != nil || v != "" {
			t.Errorf("ContactProperty(cleared) = %q, %v; want \"\"", v, err)
		}
	})

	t.Run("CopiesOut", func(t *testing.T) {
		s := newStore(t)
		email := uniqueEmail("copy")
		want := store.Properties{"firstname": "Ann", "email": email}
		c, err := s.CreateContact(ctx(t), want.Clone())
		noErr(t, "CreateContact", err)
		scribble(c.Properties)
		got, err := s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "after changing CreateContact's result", got.Properties, want)
		scribble(got.Properties)
		byEmail, err := s.ContactByEmail(ctx(t), email)
		noErr(t, "ContactByEmail", err)
		checkProps(t, "after changing Contact's result", byEmail.Properties, want)
		scribble(byEmail.Properties)
		got, err = s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "after changing ContactByEmail's result", got.Properties, want)
	})

	t.Run("CopiesIn", func(t *testing.T) {
		s := newStore(t)
		props := store.Properties{"firstname": "Ann"}
		c, err := s.CreateContact(ctx(t), props)
		noErr(t, "CreateContact", err)
		props["firstname"] = "Changed"
		props["extra"] = "x"
		update := store.Properties{"lastname": "Lee"}
		noErr(t, "UpdateContact", s.UpdateContact(ctx(t), c.ID, update))
		update["lastname"] = "Changed"
		update["other"] = "y"
		got, err := s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "after changing the maps passed in", got.Properties, store.Properties{"firstname": "Ann", "lastname": "Lee"})
	})

	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := newStore(t)
		c, err := s.CreateContact(ctx(t), store.Properties{"base": "x"})
		noErr(t, "CreateContact", err)
		const writers, rounds = 10, 5
		want := store.Properties{"base": "x"}
		var wg sync.WaitGroup
		for w := range writers {
			key := fmt.Sprintf("p%d", w)
			want[key] = strconv.Itoa(rounds - 1)
			wg.Go(func() {
				for r := range rounds {
					if err := s.UpdateContact(ctx(t), c.ID, store.Properties{key: strconv.Itoa(r)}); err != nil {
						t.Errorf("UpdateContact: %v", err)
						return
					}
					if _, err := s.Contact(ctx(t), c.ID); err != nil {
						t.Errorf("Contact: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		got, err := s.Contact(ctx(t), c.ID)
		noErr(t, "Contact", err)
		checkProps(t, "after concurrent updates of different properties", got.Properties, want)
	})
}

// expectByEmail checks that ContactByEmail finds the contact id.
func expectByEmail(t *testing.T, s store.Contacts, email, id string) {
	t.Helper()
	got, err := s.ContactByEmail(ctx(t), email)
	if err != nil {
		t.Errorf("ContactByEmail(%q): %v", email, err)
		return
	}
	if got.ID != id {
		t.Errorf("ContactByEmail(%q).ID = %q, want %q", email, got.ID, id)
	}
}

// scribble changes a returned map the way a careless caller might. A nil
// map is left alone.
func scribble(p store.Properties) {
	if p == nil {
		return
	}
	for k := range p {
		p[k] = "scribbled"
	}
	p["scribbled"] = "yes"
}
