package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// TestCommitter checks a store.Committer: newStores returns stores whose
// Sessions implements it and covers them (Contacts, Consent and
// Subscriptions set; Companies set or nil). Commit must save the session
// and apply every write, or, when it fails, do neither: not on a version
// conflict, not when the contact is gone.
func TestCommitter(t *testing.T, newStores func(t *testing.T) store.Stores) {
	ctx := context.Background()
	// setup returns the stores, their Committer, and a contact.
	setup := func(t *testing.T) (store.Stores, store.Committer, store.Contact) {
		t.Helper()
		st := newStores(t)
		c, ok := st.Sessions.(store.Committer)
		if !ok {
			t.Fatalf("the session store %T is not a store.Committer", st.Sessions)
		}
		if !c.Covers(st) {
			t.Fatal("Covers is false for the stores the constructor returned")
		}
		ct, err := st.Contacts.CreateContact(ctx, store.Properties{"email": uniqueEmail("commit"), "firstname": "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		return st, c, ct
	}
	// record is a consent record of the conversation.
	record := func(conv, id string) consent.Record {
		return consent.Record{ID: conv + "/" + id, VisitorID: conv, ConversationID: conv, Kind: consent.DataProcessing,
			Basis: consent.LegitimateInterest, Text: "We keep what you say.", Choice: consent.Granted}
	}

	t.Run("saves and applies everything", func(t *testing.T) {
		st, c, ct := setup(t)
		conv := uniqueKey(t, "")
		if err := st.Consent.Append(ctx, record(conv, "earlier")); err != nil {
			t.Fatal(err)
		}
		commit := store.Commit{
			ConversationID: conv, Data: []byte("session one"), ContactID: ct.ID,
			Contact: store.Properties{"firstname": "Grace", "company_size": "51-200"},
			Consent: []consent.Record{record(conv, "now")}, LinkConsent: true,
			Subscriptions: []store.SubscriptionWrite{{Type: "newsletter", State: store.OptedIn}},
		}
		v, err := c.Commit(ctx, commit)
		if err != nil || v != 1 {
			t.Fatalf("Commit = %d, %v; want version 1", v, err)
		}
		rec, err := st.Sessions.Load(ctx, conv)
		if err != nil || string(rec.Data) != "session one" || rec.Version != 1 {
			t.Fatalf("Load after Commit = %q, %d, %v", rec.Data, rec.Version, err)
		}
		got, err := st.Contacts.Contact(ctx, ct.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkProps(t, "contact after Commit", got.Properties,
			store.Properties{"email": ct.Properties["email"], "firstname": "Grace", "company_size": "51-200"})
		records, err := st.Consent.ForContact(ctx, ct.ID)
		if err != nil || len(records) != 2 || records[0].ID != conv+"/earlier" || records[1].ID != conv+"/now" {
			t.Errorf("the contact's consent records after Commit: %v, %v; want the earlier one and the new one, linked", records, err)
		}
		if r, ok := st.Subscriptions.(store.SubscriptionReader); ok {
			if states, err := r.SubscriptionsOf(ctx, ct.ID); err != nil || states["newsletter"] != store.OptedIn {
				t.Errorf("subscriptions after Commit: %v, %v", states, err)
			}
		}
		// The next Commit expects the new version, and appends a record
		// once however often it comes.
		commit.Data, commit.ExpectedVersion, commit.Contact = []byte("session two"), 1, nil
		if v, err := c.Commit(ctx, commit); err != nil || v != 2 {
			t.Fatalf("second Commit = %d, %v; want version 2", v, err)
		}
		if records, _ := st.Consent.ForContact(ctx, ct.ID); len(records) != 2 {
			t.Errorf("%d consent records after the same record was committed twice, want 2", len(records))
		}
	})

	t.Run("a conflict changes nothing", func(t *testing.T) {
		st, c, ct := setup(t)
		conv := uniqueKey(t, "")
		if _, err := st.Sessions.Save(ctx, conv, []byte("stored"), 0); err != nil {
			t.Fatal(err)
		}
		_, err := c.Commit(ctx, store.Commit{ConversationID: conv, Data: []byte("stale"), ExpectedVersion: 0,
			ContactID: ct.ID, Contact: store.Properties{"firstname": "Stale"},
			Consent: []consent.Record{record(conv, "stale")}, LinkConsent: true})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("Commit at a stale version: %v, want ErrConflict", err)
		}
		expectUntouched(t, st, conv, "stored", 1, ct)
	})

	t.Run("a deleted contact changes nothing", func(t *testing.T) {
		st, c, ct := setup(t)
		deleter, ok := st.Contacts.(store.ContactDeleter)
		if !ok {
			t.Skip("the contacts store cannot delete contacts")
		}
		conv := uniqueKey(t, "")
		if _, err := st.Sessions.Save(ctx, conv, []byte("stored"), 0); err != nil {
			t.Fatal(err)
		}
		if err := deleter.DeleteContact(ctx, ct.ID); err != nil {
			t.Fatal(err)
		}
		_, err := c.Commit(ctx, store.Commit{ConversationID: conv, Data: []byte("lost"), ExpectedVersion: 1,
			ContactID: ct.ID, Contact: store.Properties{"firstname": "Gone"},
			Consent: []consent.Record{record(conv, "lost")}, LinkConsent: true})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Commit with a deleted contact's writes: %v, want ErrNotFound", err)
		}
		expectUntouched(t, st, conv, "stored", 1, store.Contact{})
	})

	t.Run("a missing company is skipped", func(t *testing.T) {
		st, c, ct := setup(t)
		if st.Companies == nil {
			t.Skip("no companies store")
		}
		conv := uniqueKey(t, "")
		_, err := c.Commit(ctx, store.Commit{ConversationID: conv, Data: []byte("s"), ContactID: ct.ID,
			Contact: store.Properties{"firstname": "Grace"}, CompanyID: "no-such-company", Company: store.Properties{"name": "X"}})
		if err != nil {
			t.Fatalf("Commit with a missing company's writes: %v", err)
		}
		if got, err := st.Contacts.Contact(ctx, ct.ID); err != nil || got.Properties["firstname"] != "Grace" {
			t.Errorf("contact after Commit: %v, %v", got.Properties, err)
		}
	})
}

// expectUntouched reports a session other than data at version, consent
// records of the conversation, or a change to the contact ct (unless ct
// has no ID).
func expectUntouched(t *testing.T, st store.Stores, conv, data string, version int64, ct store.Contact) {
	t.Helper()
	ctx := context.Background()
	rec, err := st.Sessions.Load(ctx, conv)
	if err != nil || string(rec.Data) != data || rec.Version != version {
		t.Errorf("session after a failed Commit: %q at version %d (%v), want %q at %d", rec.Data, rec.Version, err, data, version)
	}
	if records, err := st.Consent.ForVisitor(ctx, conv); err != nil || len(records) != 0 {
		t.Errorf("a failed Commit appended consent records: %v, %v", records, err)
	}
	if ct.ID != "" {
		got, err := st.Contacts.Contact(ctx, ct.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkProps(t, "contact after a failed Commit", got.Properties, ct.Properties)
	}
}
