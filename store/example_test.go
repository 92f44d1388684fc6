package store_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

// contactFor returns the contact with the given email, creating one when
// there is none. The not-found contract tells "no such contact" apart from
// a store that failed, which must stop the turn instead.
func contactFor(ctx context.Context, contacts store.Contacts, email string) (store.Contact, error) {
	c, err := contacts.ContactByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return contacts.CreateContact(ctx, store.Properties{"email": email})
	}
	return c, err
}

func Example_notFound() {
	ctx := context.Background()
	stores := memory.New()

	first, _ := contactFor(ctx, stores.Contacts, "ann@example.com")
	again, _ := contactFor(ctx, stores.Contacts, "Ann@Example.com")
	fmt.Println(first.ID, again.ID)

	// Every single-record lookup reports a missing record the same way.
	_, err := stores.KnowledgeBase.Article(ctx, "kb-404")
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// contact-1 contact-1
	// true
}
