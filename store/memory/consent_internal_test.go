package memory

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store/storetest"
)

// The indexes are keyed by hashes; these make keys collide, all of them or
// some, so that the stores must tell keys apart by the keys themselves.
var consentHashes = map[string]func(maphash.Seed, string) uint64{
	"maphash":       nil,
	"all collide":   func(maphash.Seed, string) uint64 { return 7 },
	"some collide":  func(_ maphash.Seed, s string) uint64 { return uint64(len(s) % 3) },
	"last byte":     func(_ maphash.Seed, s string) uint64 { return uint64(s[len(s)-1] % 4) },
	"zero and more": func(_ maphash.Seed, s string) uint64 { return uint64(len(s) & 1) },
}

func TestConsentRecordsConformanceWithCollisions(t *testing.T) {
	for name, hash := range consentHashes {
		t.Run(name, func(t *testing.T) {
			storetest.TestConsentRecords(t, func(*testing.T) consent.Records { return &ConsentRecords{hash: hash} })
		})
	}
}

// Records whose keys share a hash stay apart: each is found, linked and
// erased by its own key only.
func TestConsentRecordsCollidingKeys(t *testing.T) {
	ctx := t.Context()
	c := &ConsentRecords{hash: consentHashes["all collide"]}
	for _, r := range []consent.Record{
		{ID: "1", VisitorID: "v1", ContactID: "c1"},
		{ID: "2", VisitorID: "v2"},
		{ID: "3", VisitorID: "v1"},
		{ID: "4", VisitorID: "v2", ContactID: "c2"},
		{ID: "1", VisitorID: "v2"}, // a repeat, though its visitor differs
		{VisitorID: "v3"},          // consent-1
		{ID: "consent-2", ContactID: "c1"},
		{VisitorID: "v3"}, // consent-3: consent-2 is taken
	} {
		if err := c.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, list func(context.Context, string) ([]consent.Record, error), key string, want ...string) {
		t.Helper()
		got, err := list(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if ids := idsOf(got); !slices.Equal(ids, want) {
			t.Errorf("%s: records of %s = %v, want %v", step, key, ids, want)
		}
	}
	check("appended", c.ForVisitor, "v1", "1", "3")
	check("appended", c.ForVisitor, "v2", "2", "4")
	check("appended", c.ForVisitor, "v3", "consent-1", "consent-3")
	check("appended", c.ForVisitor, "v4")
	check("appended", c.ForContact, "c1", "1", "consent-2")
	check("appended", c.ForContact, "c2", "4")

	if err := c.LinkContact(ctx, "v2", "c1"); err != nil {
		t.Fatal(err)
	}
	check("linked", c.ForContact, "c1", "1", "2", "consent-2")
	check("linked", c.ForContact, "c2", "4")
	check("linked", c.ForVisitor, "v1", "1", "3")

	if err := c.Erase(ctx, "v1", ""); err != nil {
		t.Fatal(err)
	}
	check("v1 erased", c.ForVisitor, "v1")
	check("v1 erased", c.ForVisitor, "v2", "2", "4")
	check("v1 erased", c.ForContact, "c1", "2", "consent-2")
	if err := c.Erase(ctx, "", "c1"); err != nil {
		t.Fatal(err)
	}
	check("c1 erased", c.ForContact, "c1")
	check("c1 erased", c.ForVisitor, "v2", "4")
	check("c1 erased", c.ForContact, "c2", "4")
	check("c1 erased", c.ForVisitor, "v3", "consent-1", "consent-3")

	// The erased IDs stay taken.
	if err := c.Append(ctx, consent.Record{ID: "3", VisitorID: "v5"}); err != nil {
		t.Fatal(err)
	}
	check("erased ID again", c.ForVisitor, "v5")
}

// An erased record keeps nothing but its ID, wherever it was linked.
func TestConsentRecordsEraseKeepsOnlyIDs(t *testing.T) {
	ctx := t.Context()
	var c ConsentRecords
	for i, r := range []consent.Record{
		{VisitorID: "secret-visitor", Text: "secret text"},
		{ID: "mine", VisitorID: "secret-visitor", ContactID: "secret-contact"},
		{ID: "theirs", VisitorID: "another", ContactID: "secret-contact"},
	} {
		r.ConversationID = fmt.Sprint("secret-conversation-", i)
		if err := c.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Erase(ctx, "secret-visitor", "secret-contact"); err != nil {
		t.Fatal(err)
	}
	var ids []string
	visitors, contacts := 0, 0
	for i := range c.shards {
		sh := &c.shards[i]
		for r := ref(1); r < sh.n; r++ {
			e := sh.at(r)
			if strings.Contains(e.data, "secret") || !e.erased || e.next[visitorLink] != 0 || e.next[contactLink] != 0 {
				t.Errorf("entry %d of shard %d after Erase: %+v", r, i, *e)
			}
			id, _, _ := entryKeys(e.data)
			ids = append(ids, id)
		}
		visitors += len(sh.byVisitor)
		contacts += len(sh.byContact)
	}
	slices.Sort(ids)
	if want := []string{"consent-1", "mine", "theirs"}; !slices.Equal(ids, want) {
		t.Errorf("IDs kept: %v, want %v", ids, want)
	}
	if visitors != 0 || contacts != 0 {
		t.Errorf("indexes hold %d visitors and %d contacts after everything was erased", visitors, contacts)
	}
}

// A store checked against a plain list of records, the obvious
// implementation, over random operations on few keys: keys repeat, so
// records pile up per visitor and contact, get linked out of order, and
// get erased from both sides, with and without hash collisions.
func TestConsentRecordsModel(t *testing.T) {
	for name, hash := range consentHashes {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			for round := range 20 {
				checkConsentModel(t, rng, &ConsentRecords{hash: hash}, round)
			}
		})
	}
}

func checkConsentModel(t *testing.T, rng *rand.Rand, c *ConsentRecords, round int) {
	t.Helper()
	ctx := context.Background()
	type modelRecord struct {
		r      consent.Record
		erased bool
	}
	var (
		model  []modelRecord
		lastID int
	)
	taken := func(id string) bool {
		return slices.ContainsFunc(model, func(m modelRecord) bool { return m.r.ID == id })
	}
	key := func(prefix string) string {
		if rng.IntN(6) == 0 {
			return ""
		}
		return fmt.Sprint(prefix, rng.IntN(5))
	}
	var ops []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("round %d after %v: "+format, append([]any{round, ops}, args...)...)
	}
	for step := range 300 {
		switch op := rng.IntN(10); {
		case op < 5:
			r := consent.Record{VisitorID: key("v"), ContactID: key("c"), Choice: consent.Granted, FlowVersion: step}
			switch rng.IntN(3) {
			case 0: // an ID given before, or soon
				r.ID = fmt.Sprint("id", rng.IntN(40))
			case 1: // an ID the store may generate
				r.ID = fmt.Sprint("consent-", rng.IntN(40))
			}
			ops = append(ops, fmt.Sprintf("append %s/%s/%s", r.ID, r.VisitorID, r.ContactID))
			if err := c.Append(ctx, r); err != nil {
				fail("%v", err)
			}
			generated := false
			for r.ID == "" || (generated && taken(r.ID)) {
				generated = true
				lastID++
				r.ID = fmt.Sprint("consent-", lastID)
			}
			if !taken(r.ID) {
				model = append(model, modelRecord{r: r})
			}
		case op < 7:
			v, ct := key("v"), key("c")
			ops = append(ops, fmt.Sprintf("link %s %s", v, ct))
			if err := c.LinkContact(ctx, v, ct); err != nil {
				fail("%v", err)
			}
			for i := range model {
				if m := &model[i]; v != "" && ct != "" && !m.erased && m.r.VisitorID == v && m.r.ContactID == "" {
					m.r.ContactID = ct
				}
			}
		case op < 8:
			v, ct := key("v"), key("c")
			ops = append(ops, fmt.Sprintf("erase %s %s", v, ct))
			if err := c.Erase(ctx, v, ct); err != nil {
				fail("%v", err)
			}
			for i := range model {
				if m := &model[i]; (v != "" && m.r.VisitorID == v) || (ct != "" && m.r.ContactID == ct) {
					m.erased = true
				}
			}
		default:
			byContact := rng.IntN(2) == 0
			var k string
			var got []consent.Record
			var err error
			if byContact {
				k = key("c")
				got, err = c.ForContact(ctx, k)
			} else {
				k = key("v")
				got, err = c.ForVisitor(ctx, k)
			}
			if err != nil {
				fail("%v", err)
			}
			var want []consent.Record
			for _, m := range model {
				if !m.erased && k != "" && ((byContact && m.r.ContactID == k) || (!byContact && m.r.VisitorID == k)) {
					want = append(want, m.r)
				}
			}
			if !slices.Equal(got, want) {
				fail("records of %q: got %v, want %v", k, idsOf(got), idsOf(want))
			}
		}
	}
}

func idsOf(rs []consent.Record) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}
