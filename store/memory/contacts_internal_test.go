package memory

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/chatflow/chatflow/internal/fold"
	"github.com/chatflow/chatflow/store"
)

func TestParseID(t *testing.T) {
	for _, seq := range []uint64{1, 9, 10, 99, 100, 12345, math.MaxUint32 + 1, math.MaxUint64 - 1, math.MaxUint64} {
		id := formatID(contactPrefix, seq)
		if want := contactPrefix + strconv.FormatUint(seq, 10); id != want {
			t.Errorf("formatID(%d) = %q, want %q", seq, id, want)
		}
		if got, ok := parseID(id, contactPrefix); !ok || got != seq {
			t.Errorf("parseID(%q) = %d, %v; want %d, true", id, got, ok, seq)
		}
		if _, ok := parseID(id, companyPrefix); ok {
			t.Errorf("parseID(%q, %q) succeeded", id, companyPrefix)
		}
	}
	for _, id := range []string{
		"", "contact-", "contact-0", "contact-00", "contact-01", "contact--1", "contact-+1",
		"contact-x", "contact-1x", "contact-x1", "contact-1.0", "contact-1e3", "contact-0x1",
		"contact-1_000", "contact- 1", "contact-1\n", "Contact-1", "company-1", "contact",
		"contact-18446744073709551616", "contact-18446744073709551620",
		"contact-99999999999999999999", "contact-184467440737095516150",
		"contact-" + strings.Repeat("9", 1000),
	} {
		if got, ok := parseID(id, contactPrefix); ok {
			t.Errorf("parseID(%q) = %d, true; want false", id, got)
		}
	}
}

// foldHash must hash exactly fold.Key's bytes: the index relies on
// addresses equal under strings.EqualFold hashing alike.
func TestFoldHashIsHashOfFoldKey(t *testing.T) {
	words := []string{
		"", "a", "ann@example.com", "ANN@EXAMPLE.COM", "Ann@Example.com", "kelvin",
		"\u212aelvin", "KELVIN", "stra\u00dfe", "STRASSE", "\u017fun", "SUN",
		"\u00e9t\u00e9", "\u00c9T\u00c9", "J\u00f6rg.Stra\u00dfe@Example.com", "\xff", "a\xffb",
		"\xe2\x84", "\u03a3\u03c3\u03c2", "\U0001F600@example.com", "\u0130i\u0131I",
		strings.Repeat("Long.Address", 20) + "@example.com",
		strings.Repeat("\u00e9", 100),
	}
	// Every ASCII byte, alone and beside a rune that takes the slow path.
	for b := range 128 {
		words = append(words, string(rune(b)), string(rune(b))+"\u00e9", "\u212a"+string(rune(b)))
	}
	for _, w := range words {
		if got, want := foldHash(w), maphash.String(hashSeed, fold.Key(w)); got != want {
			t.Errorf("foldHash(%q) = %x, want the hash of fold.Key, %x", w, got, want)
		}
	}
	for _, a := range words {
		for _, b := range words {
			if strings.EqualFold(a, b) && foldHash(a) != foldHash(b) {
				t.Errorf("%q and %q are equal under folding but hash differently", a, b)
			}
		}
	}
}

// withEmailHash makes the email index use h for the rest of the test.
func withEmailHash(t *testing.T, h func(string) uint64) {
	old := emailHash
	emailHash = h
	t.Cleanup(func() { emailHash = old })
}

// When every address hashes alike, lookups still find exactly the
// contacts holding the address, the oldest first.
func TestEmailHashCollisions(t *testing.T) {
	withEmailHash(t, func(string) uint64 { return 42 })
	ctx := t.Context()
	var c Contacts
	create := func(email string) string {
		t.Helper()
		ct, err := c.CreateContact(ctx, store.Properties{"email": email})
		if err != nil {
			t.Fatal(err)
		}
		return ct.ID
	}
	expect := func(email, want string) {
		t.Helper()
		got, err := c.ContactByEmail(ctx, email)
		switch {
		case want == "" && err == nil:
			t.Errorf("ContactByEmail(%q) = %s, want not found", email, got.ID)
		case want != "" && err != nil:
			t.Errorf("ContactByEmail(%q): %v, want %s", email, err, want)
		case want != "" && got.ID != want:
			t.Errorf("ContactByEmail(%q) = %s, want %s", email, got.ID, want)
		}
	}
	update := func(id, email string) {
		t.Helper()
		if err := c.UpdateContact(ctx, id, store.Properties{"email": email}); err != nil {
			t.Fatal(err)
		}
	}

	a := create("a@example.com")
	b := create("b@example.com")
	a2 := create("A@example.com")
	expect("a@example.com", a)
	expect("B@EXAMPLE.COM", b)
	expect("c@example.com", "")

	// Moving between colliding addresses keeps the index entry, and the
	// record decides.
	update(a, "c@example.com")
	expect("a@example.com", a2)
	expect("c@example.com", a)
	update(a, "a@example.com")
	expect("a@example.com", a)
	expect("c@example.com", "")

	if err := c.DeleteContact(ctx, b); err != nil {
		t.Fatal(err)
	}
	expect("b@example.com", "")
	expect("a@example.com", a)
	update(a, "")
	expect("a@example.com", a2)
	if err := c.DeleteContact(ctx, a2); err != nil {
		t.Fatal(err)
	}
	expect("a@example.com", "")
	checkEmailIndex(t, &c)
}

// checkEmailIndex checks that the index holds exactly one entry for every
// contact with an email, under its hash, and that entries are in order.
func checkEmailIndex(t *testing.T, c *Contacts) {
	t.Helper()
	want := map[[2]uint64]bool{}
	for i := range c.contacts {
		for seq, rec := range c.contacts[i].m {
			if email := rec.props["email"]; email != "" {
				want[[2]uint64{emailHash(email), seq}] = true
			}
		}
	}
	got := map[[2]uint64]bool{}
	add := func(h, seq uint64) {
		if got[[2]uint64{h, seq}] {
			t.Errorf("contact %d indexed twice under %x", seq, h)
		}
		got[[2]uint64{h, seq}] = true
	}
	for i := range c.emails {
		ix := &c.emails[i]
		for h, seq := range ix.one {
			if int(h%shardCount) != i {
				t.Errorf("hash %x in shard %d", h, i)
			}
			if _, ok := ix.many[h]; ok {
				t.Errorf("hash %x in both one and many", h)
			}
			add(h, seq)
		}
		for h, seqs := range ix.many {
			if int(h%shardCount) != i {
				t.Errorf("hash %x in shard %d", h, i)
			}
			if len(seqs) < 2 || !slices.IsSorted(seqs) {
				t.Errorf("hash %x has entries %v: want two or more, ascending", h, seqs)
			}
			for _, seq := range seqs {
				add(h, seq)
			}
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("contact %d missing from the index under %x", k[1], k[0])
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("contact %d indexed under %x, which is not its email's hash", k[1], k[0])
		}
	}
}

// Random operations on a few addresses whose hashes often collide give
// the same answers as a search of all contacts, and leave the index
// exact.
func TestEmailIndexMatchesSearch(t *testing.T) {
	for _, hash := range []struct {
		name string
		h    func(string) uint64
	}{
		{"folded", foldHash},
		{"four", func(s string) uint64 { return foldHash(s) % 4 }},
		{"one", func(string) uint64 { return 7 }},
	} {
		t.Run(hash.name, func(t *testing.T) {
			withEmailHash(t, hash.h)
			ctx := t.Context()
			var c Contacts
			rng := rand.New(rand.NewPCG(1, 2))
			emails := []string{"", "a@x", "A@X", "b@x", "c@x", "C@x", "d@x", "e@x"}
			var ids []string
			for step := range 500 {
				switch op := rng.IntN(10); {
				case op < 3 || len(ids) == 0:
					ct, err := c.CreateContact(ctx, store.Properties{"email": emails[rng.IntN(len(emails))], "n": strconv.Itoa(step)})
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, ct.ID)
				case op < 8:
					id := ids[rng.IntN(len(ids))]
					err := c.UpdateContact(ctx, id, store.Properties{"email": emails[rng.IntN(len(emails))]})
					if err != nil && !strings.Contains(err.Error(), "not found") {
						t.Fatal(err)
					}
				default:
					if err := c.DeleteContact(ctx, ids[rng.IntN(len(ids))]); err != nil {
						t.Fatal(err)
					}
				}
				all := c.AllContacts(ctx)
				for _, e := range emails {
					want := ""
					for _, ct := range all {
						if e != "" && strings.EqualFold(ct.Properties["email"], e) {
							want = ct.ID
							break
						}
					}
					got, err := c.ContactByEmail(ctx, e)
					if (err == nil) != (want != "") || got.ID != want {
						t.Fatalf("step %d: ContactByEmail(%q) = %q, %v; want %q", step, e, got.ID, err, want)
					}
				}
			}
			checkEmailIndex(t, &c)
		})
	}
}

// Concurrent writers and readers of colliding addresses agree with the
// records (run with the race detector).
func TestEmailCollisionsConcurrent(t *testing.T) {
	withEmailHash(t, func(s string) uint64 { return foldHash(s) % 2 })
	ctx := t.Context()
	var c Contacts
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			ct, err := c.CreateContact(ctx, store.Properties{"email": fmt.Sprintf("w%d@x", w)})
			if err != nil {
				t.Error(err)
				return
			}
			for i := range 200 {
				email := fmt.Sprintf("w%d-%d@x", w, i%3)
				if err := c.UpdateContact(ctx, ct.ID, store.Properties{"email": email}); err != nil {
					t.Error(err)
					return
				}
				got, err := c.ContactByEmail(ctx, email)
				if err != nil || got.ID != ct.ID {
					t.Errorf("ContactByEmail(%q) = %q, %v; want %s", email, got.ID, err, ct.ID)
					return
				}
			}
		})
	}
	wg.Wait()
	checkEmailIndex(t, &c)
}

// Names are shared among contacts, up to the table's bounds, and the
// table stops growing at them.
func TestPropertyNamesInterned(t *testing.T) {
	ctx := t.Context()
	var c Contacts
	stored := func(id, name string) string {
		t.Helper()
		seq, _ := parseID(id, contactPrefix)
		for k := range c.contacts[seqShardOf(seq)].m[seq].props {
			if k == name {
				return k
			}
		}
		t.Fatalf("contact %s has no %q", id, name)
		return ""
	}
	var ids []string
	for range 2 {
		ct, err := c.CreateContact(ctx, store.Properties{strings.Clone("firstname"): "Ann"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ct.ID)
	}
	if a, b := stored(ids[0], "firstname"), stored(ids[1], "firstname"); unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("two contacts hold separate copies of the name firstname")
	}

	long := strings.Repeat("x", maxInternedNameLen+1)
	for i := range maxInternedNames + 100 {
		if _, err := c.CreateContact(ctx, store.Properties{"p" + strconv.Itoa(i): "v", long: "v"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(*c.names.m.Load()); n != maxInternedNames {
		t.Errorf("the name table holds %d names, want %d", n, maxInternedNames)
	}
	if _, ok := (*c.names.m.Load())[long]; ok {
		t.Error("a name longer than maxInternedNameLen was interned")
	}
	// Names beyond the bounds are still stored, as copies.
	last := "p" + strconv.Itoa(maxInternedNames+99)
	all := c.AllContacts(ctx)
	if got := all[len(all)-1].Properties; got[last] != "v" || got[long] != "v" {
		t.Errorf("last contact's properties = %v", got)
	}
}
