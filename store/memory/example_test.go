package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

func ExampleNew() {
	ctx := context.Background()
	stores := memory.New()

	// To seed data, put a store built by its own constructor in its field.
	lists := memory.NewLists("newsletter")
	stores.Lists = lists

	ann, _ := stores.Contacts.CreateContact(ctx, store.Properties{"email": "ann@example.com"})
	_ = stores.Lists.AddToList(ctx, "newsletter", ann.ID)
	fmt.Println(lists.Members("newsletter"))

	// The stores are empty otherwise.
	_, err := stores.Meetings.Link(ctx, "sales")
	fmt.Println(errors.Is(err, store.ErrNotFound))
	state, _ := stores.Subscriptions.State(ctx, ann.ID, "marketing")
	fmt.Println(state)
	// Output:
	// [contact-1]
	// true
	// not_opted_in_or_out
}

func ExampleContacts() {
	ctx := context.Background()
	contacts := memory.NewContacts()

	ann, _ := contacts.CreateContact(ctx, store.Properties{"email": "Ann@Example.com", "firstname": "Ann"})
	acme, _ := contacts.CreateCompany(ctx, store.Properties{"name": "Acme"})
	_ = contacts.AssociateCompany(ctx, ann.ID, acme.ID)

	// Merge: "" clears a property, other values are set.
	_ = contacts.UpdateContact(ctx, ann.ID, store.Properties{"firstname": "", "lastname": "Lee"})

	found, _ := contacts.ContactByEmail(ctx, "ann@example.com")
	fmt.Println(found.ID, found.CompanyID, found.Properties)

	_, err := contacts.Contact(ctx, "contact-99")
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// contact-1 company-1 map[email:Ann@Example.com lastname:Lee]
	// true
}

func ExampleSessions() {
	ctx := context.Background()
	sessions := memory.NewSessions()

	v, _ := sessions.Save(ctx, "conv-1", []byte(`{"at":"welcome"}`), 0)
	fmt.Println("saved version", v)

	// A writer that read version 0 is refused: the session moved on.
	_, err := sessions.Save(ctx, "conv-1", []byte(`{"at":"stale"}`), 0)
	fmt.Println(errors.Is(err, store.ErrConflict))

	rec, _ := sessions.Load(ctx, "conv-1")
	fmt.Printf("%s version %d\n", rec.Data, rec.Version)
	// Output:
	// saved version 1
	// true
	// {"at":"welcome"} version 1
}

func ExampleLocker() {
	ctx := context.Background()
	var locker memory.Locker // the zero value is ready to use

	unlock, _ := locker.Lock(ctx, "conv-1")

	// While the key is held, another Lock waits until its context ends.
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err := locker.Lock(waitCtx, "conv-1")
	fmt.Println(err)

	unlock()
	unlock() // a second call does nothing

	unlock, err = locker.Lock(ctx, "conv-1")
	fmt.Println(err)
	unlock()
	// Output:
	// context deadline exceeded
	// <nil>
}
