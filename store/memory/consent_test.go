package memory_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/store/storetest"
)

func TestConsentRecordsConformance(t *testing.T) {
	storetest.TestConsentRecords(t, func(*testing.T) consent.Records { return memory.NewConsentRecords() })
	storetest.TestConsentRecords(t, func(*testing.T) consent.Records { return new(memory.ConsentRecords) })
}

// A record appended without an ID gets one no other record has had, even
// after records were erased or were given such IDs by the caller.
func TestConsentRecordsNewIDs(t *testing.T) {
	ctx := t.Context()
	var c memory.ConsentRecords
	for _, r := range []consent.Record{
		{VisitorID: "v1"},                  // consent-1
		{VisitorID: "v2"},                  // consent-2
		{ID: "consent-3", VisitorID: "v3"}, // taken by the caller
	} {
		require.NoError(t, c.Append(ctx, r))
	}
	require.NoError(t, c.Erase(ctx, "v1", ""))
	require.NoError(t, c.Append(ctx, consent.Record{VisitorID: "v4"}))
	got, err := c.ForVisitor(ctx, "v4")
	require.NoError(t, err)
	require.Len(t, got, 1, "the new record must be stored, not taken for a repeat")
	assert.Equal(t, "consent-4", got[0].ID)
}

// Linking merges the visitor's records into the contact's in the order
// they were appended.
func TestConsentRecordsLinkKeepsOrder(t *testing.T) {
	ctx := t.Context()
	var c memory.ConsentRecords
	for _, r := range []consent.Record{
		{ID: "1", VisitorID: "other", ContactID: "ann"},
		{ID: "2", VisitorID: "v"},
		{ID: "3", VisitorID: "v", ContactID: "bob"}, // already someone's: stays so
		{ID: "4", ContactID: "ann"},
		{ID: "5", VisitorID: "v"},
	} {
		require.NoError(t, c.Append(ctx, r))
	}
	require.NoError(t, c.LinkContact(ctx, "v", "ann"))
	assert.Equal(t, []string{"1", "2", "4", "5"}, recordIDs(c.ForContact(ctx, "ann")))
	assert.Equal(t, []string{"3"}, recordIDs(c.ForContact(ctx, "bob")))
	assert.Equal(t, []string{"2", "3", "5"}, recordIDs(c.ForVisitor(ctx, "v")))

	// Erasing a visitor removes their records from the contacts' lists.
	require.NoError(t, c.Erase(ctx, "v", ""))
	assert.Equal(t, []string{"1", "4"}, recordIDs(c.ForContact(ctx, "ann")))
	assert.Empty(t, recordIDs(c.ForContact(ctx, "bob")))
	// And erasing a contact removes theirs from the visitors' lists.
	require.NoError(t, c.Erase(ctx, "", "ann"))
	assert.Empty(t, recordIDs(c.ForVisitor(ctx, "other")))
}

// Linking visitors' older records to a contact that has newer ones, more
// than once, with appends in between, still lists the contact's records in
// the order they were appended.
func TestConsentRecordsLinkOlderRecords(t *testing.T) {
	ctx := t.Context()
	var c memory.ConsentRecords
	for _, r := range []consent.Record{
		{ID: "1", ContactID: "ann"},
		{ID: "2", VisitorID: "v"},
		{ID: "3", VisitorID: "w"},
		{ID: "4", ContactID: "ann"},
		{ID: "5", VisitorID: "v"},
		{ID: "6", VisitorID: "w"},
		{ID: "7", ContactID: "ann"},
	} {
		require.NoError(t, c.Append(ctx, r))
	}
	require.NoError(t, c.LinkContact(ctx, "w", "ann"))
	assert.Equal(t, []string{"1", "3", "4", "6", "7"}, recordIDs(c.ForContact(ctx, "ann")))
	require.NoError(t, c.LinkContact(ctx, "v", "ann"))
	require.NoError(t, c.Append(ctx, consent.Record{ID: "8", VisitorID: "v", ContactID: "ann"}))
	assert.Equal(t, []string{"1", "2", "3", "4", "5", "6", "7", "8"}, recordIDs(c.ForContact(ctx, "ann")))
	require.NoError(t, c.Erase(ctx, "w", ""))
	assert.Equal(t, []string{"1", "2", "4", "5", "7", "8"}, recordIDs(c.ForContact(ctx, "ann")))
	assert.Equal(t, []string{"2", "5", "8"}, recordIDs(c.ForVisitor(ctx, "v")))
}

// An erased record's ID stays taken: a retried turn appending it again
// must not bring the record back.
func TestConsentRecordsEraseThenAppendSameID(t *testing.T) {
	ctx := t.Context()
	var c memory.ConsentRecords
	r := consent.Record{ID: "x", VisitorID: "v", ContactID: "c", Text: "Do you agree?"}
	require.NoError(t, c.Append(ctx, r))
	require.NoError(t, c.Erase(ctx, "", "c"))
	require.NoError(t, c.Append(ctx, r))
	assert.Empty(t, recordIDs(c.ForVisitor(ctx, "v")))
	assert.Empty(t, recordIDs(c.ForContact(ctx, "c")))
	require.NoError(t, c.Append(ctx, consent.Record{ID: "x", VisitorID: "someone else"}))
	assert.Empty(t, recordIDs(c.ForVisitor(ctx, "someone else")))
	// Other IDs are stored as ever, for the same visitor too.
	require.NoError(t, c.Append(ctx, consent.Record{ID: "y", VisitorID: "v"}))
	assert.Equal(t, []string{"y"}, recordIDs(c.ForVisitor(ctx, "v")))
}

// Every method works on a zero ConsentRecords, before anything is stored.
func TestConsentRecordsZeroValue(t *testing.T) {
	ctx := t.Context()
	var c memory.ConsentRecords
	assert.Empty(t, recordIDs(c.ForVisitor(ctx, "v")))
	assert.Empty(t, recordIDs(c.ForContact(ctx, "c")))
	require.NoError(t, c.LinkContact(ctx, "v", "c"))
	require.NoError(t, c.Erase(ctx, "v", "c"))
	require.NoError(t, c.Append(ctx, consent.Record{VisitorID: "v"}))
	require.NoError(t, c.LinkContact(ctx, "v", "c"))
	assert.Equal(t, []string{"consent-1"}, recordIDs(c.ForContact(ctx, "c")))
	// Empty keys match nothing.
	assert.Empty(t, recordIDs(c.ForVisitor(ctx, "")))
	assert.Empty(t, recordIDs(c.ForContact(ctx, "")))
}

// Visitors served at once each see their own records, whatever the others
// append, link and erase meanwhile.
func TestConsentRecordsConcurrentUse(t *testing.T) {
	ctx := t.Context()
	var c memory.ConsentRecords
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				v, contact := fmt.Sprint("v", g, "-", i), fmt.Sprint("c", g, "-", i)
				for _, r := range []consent.Record{{ID: v + "/1", VisitorID: v}, {VisitorID: v}} {
					if err := c.Append(ctx, r); err != nil {
						t.Error(err)
					}
				}
				if err := c.LinkContact(ctx, v, contact); err != nil {
					t.Error(err)
				}
				if got, err := c.ForContact(ctx, contact); err != nil || len(got) != 2 || got[0].ID != v+"/1" {
					t.Errorf("records of %s: %v, %v", contact, recordIDs(got, nil), err)
				}
				if i%2 == 0 {
					if err := c.Erase(ctx, "", contact); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	for g := range 8 {
		for i := range 50 {
			want := 2 * (i % 2)
			if got, _ := c.ForVisitor(ctx, fmt.Sprint("v", g, "-", i)); len(got) != want {
				t.Errorf("visitor %d-%d has %d records, want %d", g, i, len(got), want)
			}
		}
	}
}

// Visitors' records are kept apart, by visitor, so that turns append in
// parallel; an ID is still stored once store-wide, even when appended at
// once for different visitors, and a contact's records, which come from
// many visitors, are still listed in the order they were appended.
func TestConsentRecordsAcrossVisitors(t *testing.T) {
	ctx := t.Context()
	var c memory.ConsentRecords
	const visitors = 64
	var wg sync.WaitGroup
	for v := range visitors {
		wg.Go(func() {
			r := consent.Record{ID: "shared", VisitorID: fmt.Sprint("v", v), ContactID: "ada"}
			if err := c.Append(ctx, r); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := c.ForContact(ctx, "ada")
	require.NoError(t, err)
	require.Len(t, got, 1, "one ID, appended for %d visitors at once, is stored once", visitors)
	var want []string
	for v := range visitors {
		id := fmt.Sprint("r", v)
		want = append(want, id)
		require.NoError(t, c.Append(ctx, consent.Record{ID: id, VisitorID: fmt.Sprint("w", v)}))
		require.NoError(t, c.LinkContact(ctx, fmt.Sprint("w", v), "bob"))
		require.NoError(t, c.Append(ctx, consent.Record{ID: id, VisitorID: "someone else"}), "a repeat")
	}
	assert.Equal(t, want, recordIDs(c.ForContact(ctx, "bob")))
	others, err := c.ForVisitor(ctx, "someone else")
	require.NoError(t, err)
	assert.Empty(t, others, "an ID stored for another visitor is not stored again")
	require.NoError(t, c.Erase(ctx, "", "bob"))
	assert.Empty(t, recordIDs(c.ForContact(ctx, "bob")))
	for v := range visitors {
		got, err := c.ForVisitor(ctx, fmt.Sprint("w", v))
		require.NoError(t, err)
		assert.Empty(t, got, "visitor %d's record, linked to the erased contact", v)
	}
	require.NoError(t, c.Append(ctx, consent.Record{ID: "r0", VisitorID: "w0"}))
	assert.Empty(t, recordIDs(c.ForVisitor(ctx, "w0")), "an erased record's ID stays taken")
}

func recordIDs(rs []consent.Record, err error) []string {
	if err != nil {
		return []string{err.Error()}
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

// BenchmarkConsentTurn appends a visitor's record and links it to a
// contact, as a turn that identifies a visitor does, in stores that already
// hold many other records: the cost must not grow with them.
func BenchmarkConsentTurn(b *testing.B) {
	for _, stored := range []int{1_000, 200_000} {
		b.Run(strconv.Itoa(stored), func(b *testing.B) {
			ctx := context.Background()
			var c memory.ConsentRecords
			for i := range stored {
				id := strconv.Itoa(i)
				if err := c.Append(ctx, consent.Record{ID: "old-" + id, VisitorID: "v-" + id, ContactID: "c-" + id}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				id := strconv.Itoa(i)
				if err := c.Append(ctx, consent.Record{ID: "new-" + id, VisitorID: "nv-" + id}); err != nil {
					b.Fatal(err)
				}
				if err := c.LinkContact(ctx, "nv-"+id, "nc-"+id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Records come back field for field, whatever their values: the store
// keeps them encoded.
func TestConsentRecordsKeepEveryField(t *testing.T) {
	ctx := context.Background()
	c := memory.NewConsentRecords()
	amsterdam := time.FixedZone("", 3600)
	recs := []consent.Record{
		{ID: "r1", VisitorID: "v1", ContactID: "", Kind: consent.DataProcessing, Basis: consent.LegitimateInterest,
			Text: "We process your data.", TextHash: consent.Hash("We process your data."), Choice: consent.Granted,
			Time: time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC), ChatflowID: "f", FlowVersion: 3, ConversationID: "v1"},
		{ID: "r2", VisitorID: "v1", ContactID: "c1", Kind: consent.Communication, Basis: consent.ExplicitConsent,
			SubscriptionType: "news", Text: "Send me news", TextHash: "h", Choice: consent.Withdrawn,
			Time: time.Date(1500, 1, 1, 0, 0, 0, 0, amsterdam), ChatflowID: "g", FlowVersion: -1, Action: "ask", ConversationID: "other conversation"},
		{ID: "r3", VisitorID: "v1", Kind: consent.Cookies, Text: "", Choice: consent.Granted}, // zero time
	}
	for _, r := range recs {
		require.NoError(t, c.Append(ctx, r))
	}
	got, err := c.ForVisitor(ctx, "v1")
	require.NoError(t, err)
	require.Len(t, got, len(recs))
	for i := range recs {
		assert.True(t, recs[i].Time.Equal(got[i].Time), "record %d time %v, want %v", i, got[i].Time, recs[i].Time)
		_, wantOffset := recs[i].Time.Zone()
		_, gotOffset := got[i].Time.Zone()
		assert.Equal(t, wantOffset, gotOffset, "record %d zone offset", i)
		got[i].Time, recs[i].Time = time.Time{}, time.Time{}
		assert.Equal(t, recs[i], got[i], "record %d", i)
	}
	// Linking sets the contact of the records without one, and only that.
	require.NoError(t, c.LinkContact(ctx, "v1", "c9"))
	got, err = c.ForContact(ctx, "c9")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []string{"r1", "r3"}, []string{got[0].ID, got[1].ID})
	assert.Equal(t, "We process your data.", got[0].Text)
	assert.Equal(t, 3, got[0].FlowVersion)
}
