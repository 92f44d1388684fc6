package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/consent"
)

// TestConsentRecords checks a consent.Records implementation: append-only
// records listed per contact and per visitor in order, a repeated ID stored
// once, erasure by visitor or contact, and concurrent appends.
func TestConsentRecords(t *testing.T, newRecords func(t *testing.T) consent.Records) {
	ctx := context.Background()
	run := fmt.Sprintf("%x", rand.Uint64())
	rec := func(id, visitor, contact string, choice consent.Choice, at int) consent.Record {
		return consent.Record{ID: run + id, VisitorID: run + visitor, ContactID: contact, Kind: consent.DataProcessing,
			Basis: consent.ExplicitConsent, Text: "Do you agree?", TextHash: consent.Hash("Do you agree?"),
			Choice: choice, Time: time.Unix(int64(at), 0).UTC()}
	}
	t.Run("history per contact and visitor", func(t *testing.T) {
		r := newRecords(t)
		contact := run + "c1"
		for _, x := range []consent.Record{
			rec("1", "v1", "", consent.Granted, 1),
			rec("2", "v1", contact, consent.Withdrawn, 2),
			rec("3", "v2", contact, consent.Granted, 3),
		} {
			if err := r.Append(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		byVisitor, err := r.ForVisitor(ctx, run+"v1")
		if err != nil || len(byVisitor) != 2 || byVisitor[0].ID != run+"1" || byVisitor[1].Choice != consent.Withdrawn {
			t.Errorf("ForVisitor = %v, %v; want records 1 and 2 in order", byVisitor, err)
		}
		byContact, err := r.ForContact(ctx, contact)
		if err != nil || len(byContact) != 2 || byContact[0].ID != run+"2" || byContact[1].ID != run+"3" {
			t.Errorf("ForContact = %v, %v; want records 2 and 3 in order", byContact, err)
		}
		if got := byContact[1]; got.Text != "Do you agree?" || got.TextHash != consent.Hash("Do you agree?") || !got.Time.Equal(time.Unix(3, 0)) {
			t.Errorf("record not kept as written: %+v", got)
		}
	})
	t.Run("same ID stored once", func(t *testing.T) {
		r := newRecords(t)
		x := rec("dup", "v3", "", consent.Granted, 1)
		for i := 0; i < 3; i++ {
			if err := r.Append(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := r.ForVisitor(ctx, run+"v3")
		if len(got) != 1 {
			t.Errorf("%d records for one ID, want 1", len(got))
		}
	})
	t.Run("link contact", func(t *testing.T) {
		r := newRecords(t)
		contact := run + "c5"
		_ = r.Append(ctx, rec("l1", "v5", "", consent.Granted, 1))
		_ = r.Append(ctx, rec("l2", "v5", run+"other", consent.Granted, 2))
		if err := r.LinkContact(ctx, run+"v5", contact); err != nil {
			t.Fatal(err)
		}
		got, _ := r.ForContact(ctx, contact)
		if len(got) != 1 || got[0].ID != run+"l1" || got[0].Choice != consent.Granted {
			t.Errorf("after linking, ForContact = %v; want record l1 only (l2 names another contact)", got)
		}
	})
	t.Run("erase", func(t *testing.T) {
		r := newRecords(t)
		contact := run + "c9"
		_ = r.Append(ctx, rec("e1", "v9", "", consent.Granted, 1))
		_ = r.Append(ctx, rec("e2", "v8", contact, consent.Granted, 2))
		_ = r.Append(ctx, rec("e3", "keep", "", consent.Granted, 3))
		if err := r.Erase(ctx, run+"v9", contact); err != nil {
			t.Fatal(err)
		}
		a, _ := r.ForVisitor(ctx, run+"v9")
		b, _ := r.ForContact(ctx, contact)
		c, _ := r.ForVisitor(ctx, run+"keep")
		if len(a) != 0 || len(b) != 0 || len(c) != 1 {
			t.Errorf("after erase: visitor %d, contact %d, other %d records; want 0, 0, 1", len(a), len(b), len(c))
		}
	})
	t.Run("concurrent appends", func(t *testing.T) {
		r := newRecords(t)
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.Append(ctx, rec(fmt.Sprint("p", i), "vp", "", consent.Granted, i)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, _ := r.ForVisitor(ctx, run+"vp")
		if len(got) != 40 {
			t.Errorf("%d records after 40 concurrent appends", len(got))
		}
	})
}
