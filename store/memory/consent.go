package memory

import (
	"context"
	"hash/maphash"
	"slices"
	"strconv"
	"sync"

	"github.com/chatflow/chatflow/consent"
)

// ConsentRecords is an in-memory consent.Records. Records are listed in the
// order they were appended; a record appended with no ID gets
// "consent-1", "consent-2", … (numbers are never reused, even after Erase).
// Records are indexed by visitor and by contact, so every method takes
// time in proportion to the records of the visitor or contact it names, not
// to all the records kept.
//
// The zero value is an empty store ready to use. ConsentRecords is safe for
// concurrent use and must not be copied after first use.
type ConsentRecords struct {
	// One lock for the whole store: Append's check that an ID is new and
	// Erase's removal from both indexes must each be one step, and every
	// method holds it for a short walk of one visitor's or contact's
	// records.
	mu sync.Mutex
	// The store keeps a record for every conversation, for good, so what
	// the garbage collector has to follow per record is what it costs:
	// entries are held by value in chunks, and the indexes are maps from a
	// hash to entry numbers, which hold no pointers and are never scanned.
	// A stored record is one string and one pointer to it.
	entries [][]consentEntry // chunks of chunkSize; entry 0 is unused
	n       ref              // entries in use, counting entry 0
	// byID finds an entry by ID, to store each ID once; it keeps erased
	// entries, whose IDs stay taken.
	byID map[uint64]ref
	// byVisitor and byContact chain the entries of a visitor or contact,
	// oldest first, except the contacts in unsorted.
	byVisitor map[uint64]chain
	byContact map[uint64]chain
	// unsorted holds the contacts whose chain LinkContact appended older
	// entries to; it is put in order when read, so linking costs what it
	// links, however long the contact's history.
	unsorted map[uint64]struct{}
	// hash is maphash.String when nil; tests set it to make keys collide.
	hash   func(maphash.Seed, string) uint64
	lastID int
	// strings are the record fields kept once (see consentcodec.go).
	strings interned
	buf     []byte // for encoding records
}

// ref numbers an entry in the order of appending; 0 is no entry. 32 bits
// are billions of records, far more than memory would hold.
type ref uint32

const (
	chunkBits = 10
	// chunkSize entries (32 KiB) are allocated at a time: growing one
	// slice of every entry would copy it all, under the lock, and hold two
	// copies at once.
	chunkSize = 1 << chunkBits
)

// chain is the first and last entry of a list linked through entries, so
// that appending to it is one step. Entries that share a key's hash share
// its chain; a walk compares the keys themselves.
type chain struct{ head, tail ref }

// The links of an entry: to the next entry of the same ID hash, visitor
// hash and contact hash.
const (
	idLink = iota
	visitorLink
	contactLink
)

// consentEntry is a stored record, encoded (see consentcodec.go). A record
// with neither a visitor nor a contact is in no chain but that of its ID:
// no method could find or erase it. An erased entry keeps only its ID.
type consentEntry struct {
	data   string
	next   [3]ref // by idLink, visitorLink, contactLink
	erased bool
}

// at returns entry r; the pointer is valid until the next entry is added.
func (c *ConsentRecords) at(r ref) *consentEntry {
	return &c.entries[r>>chunkBits][r&(chunkSize-1)]
}

// add stores e as a new entry; the caller holds the lock.
func (c *ConsentRecords) add(e consentEntry) ref {
	if c.n&(chunkSize-1) == 0 && int(c.n>>chunkBits) == len(c.entries) {
		if len(c.entries) == 0 {
			// Let the first chunk grow, so that a small store stays small.
			c.entries = append(c.entries, nil)
		} else {
			c.entries = append(c.entries, make([]consentEntry, 0, chunkSize))
		}
	}
	last := &c.entries[len(c.entries)-1]
	*last = append(*last, e)
	r := c.n
	c.n++
	return r
}

// sum hashes an index key.
func (c *ConsentRecords) sum(s string) uint64 {
	if c.hash != nil {
		return c.hash(hashSeed, s)
	}
	return maphash.String(hashSeed, s)
}

// init readies the zero value; the caller holds the lock.
func (c *ConsentRecords) init() {
	c.byID = map[uint64]ref{}
	c.byVisitor = map[uint64]chain{}
	c.byContact = map[uint64]chain{}
	c.add(consentEntry{}) // so that ref 0 means none
}

var _ consent.Records = (*ConsentRecords)(nil)

// NewConsentRecords returns an empty record store.
func NewConsentRecords() *ConsentRecords { return &ConsentRecords{} }

// Append stores a copy of r once per ID: appending a record with an ID
// stored before does nothing, even when that record has since been erased.
// A record with an empty ID gets a new one.
func (c *ConsentRecords) Append(_ context.Context, r consent.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.init()
	}
	generated := false
	// A new ID must not be one stored before (by a caller, or before an
	// Erase): Append would take the record for a repeat and drop it.
	for r.ID == "" || (generated && c.stored(c.byID[c.sum(r.ID)], r.ID)) {
		generated = true
		c.lastID++
		r.ID = "consent-" + strconv.Itoa(c.lastID)
	}
	h := c.sum(r.ID)
	head := c.byID[h]
	if c.stored(head, r.ID) {
		return nil
	}
	e := c.add(consentEntry{data: c.encodeRecord(&r)})
	c.at(e).next[idLink] = head
	c.byID[h] = e
	if r.VisitorID != "" {
		c.push(c.byVisitor, c.sum(r.VisitorID), e, visitorLink)
	}
	if r.ContactID != "" {
		c.push(c.byContact, c.sum(r.ContactID), e, contactLink)
	}
	return nil
}

// stored reports whether the ID chain from head holds id, that is whether
// a record with that ID was ever stored; the caller holds the lock.
func (c *ConsentRecords) stored(head ref, id string) bool {
	for r := head; r != 0; {
		e := c.at(r)
		if got, _, _ := entryKeys(e.data); got == id {
			return true
		}
		r = e.next[idLink]
	}
	return false
}

// push appends entry e to the chain of hash h in index, through link, and
// reports whether the chain held a later entry; the caller holds the lock.
func (c *ConsentRecords) push(index map[uint64]chain, h uint64, e ref, link int) (outOfOrder bool) {
	ch := index[h]
	if ch.tail == 0 {
		ch.head = e
	} else {
		c.at(ch.tail).next[link] = e
		outOfOrder = ch.tail > e
	}
	c.at(e).next[link] = 0
	ch.tail = e
	index[h] = ch
	return outOfOrder
}

// ForContact lists copies of a contact's records, oldest first.
func (c *ConsentRecords) ForContact(_ context.Context, contactID string) ([]consent.Record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byContact == nil || contactID == "" {
		return nil, nil
	}
	h := c.sum(contactID)
	if _, ok := c.unsorted[h]; ok {
		c.sort(h)
		delete(c.unsorted, h)
	}
	return c.records(c.byContact[h].head, contactLink, contactID), nil
}

// ForVisitor lists copies of a visitor's records, oldest first.
func (c *ConsentRecords) ForVisitor(_ context.Context, visitorID string) ([]consent.Record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byVisitor == nil || visitorID == "" {
		return nil, nil
	}
	return c.records(c.byVisitor[c.sum(visitorID)].head, visitorLink, visitorID), nil
}

// records decodes the records of the chain from head through link whose
// key (visitor or contact, by link) is key, or returns nil for none; the
// caller holds the lock.
func (c *ConsentRecords) records(head ref, link int, key string) []consent.Record {
	n := 0
	for r := head; r != 0; r = c.at(r).next[link] {
		if c.keyOf(r, link) == key {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]consent.Record, 0, n)
	for r := head; r != 0; {
		e := c.at(r)
		if c.keyOf(r, link) == key {
			out = append(out, c.decodeRecord(e.data))
		}
		r = e.next[link]
	}
	return out
}

// keyOf returns the visitor or the contact of entry r, by link.
func (c *ConsentRecords) keyOf(r ref, link int) string {
	_, visitor, contact := entryKeys(c.at(r).data)
	if link == visitorLink {
		return visitor
	}
	return contact
}

// sort puts the contact chain of hash h in the order of appending; the
// caller holds the lock.
func (c *ConsentRecords) sort(h uint64) {
	ch := c.byContact[h]
	var refs []ref
	for r := ch.head; r != 0; r = c.at(r).next[contactLink] {
		refs = append(refs, r)
	}
	if len(refs) == 0 {
		return
	}
	slices.Sort(refs)
	for i, r := range refs[:len(refs)-1] {
		c.at(r).next[contactLink] = refs[i+1]
	}
	c.at(refs[len(refs)-1]).next[contactLink] = 0
	c.byContact[h] = chain{refs[0], refs[len(refs)-1]}
}

// LinkContact sets the contact of the visitor's records that have none.
func (c *ConsentRecords) LinkContact(_ context.Context, visitorID, contactID string) error {
	if visitorID == "" || contactID == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byVisitor == nil {
		return nil
	}
	var h uint64
	hashed := false
	for r := c.byVisitor[c.sum(visitorID)].head; r != 0; {
		e := c.at(r)
		if _, v, ct := entryKeys(e.data); v == visitorID && ct == "" {
			e.data = c.withContact(e.data, contactID)
			if !hashed {
				h, hashed = c.sum(contactID), true
			}
			// Linking an entry older than the contact's last leaves the
			// chain for ForContact to sort, once, when it is read.
			if c.push(c.byContact, h, r, contactLink) {
				if c.unsorted == nil {
					c.unsorted = map[uint64]struct{}{}
				}
				c.unsorted[h] = struct{}{}
			}
		}
		r = e.next[visitorLink]
	}
	return nil
}

// Erase deletes the records of the visitor and those of the contact. An
// empty ID matches nothing.
func (c *ConsentRecords) Erase(_ context.Context, visitorID, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byVisitor == nil {
		return nil
	}
	var victims []ref
	find := func(index map[uint64]chain, link int, key string) {
		if key == "" {
			return
		}
		for r := index[c.sum(key)].head; r != 0; r = c.at(r).next[link] {
			if e := c.at(r); !e.erased && c.keyOf(r, link) == key {
				e.erased = true
				victims = append(victims, r)
			}
		}
	}
	find(c.byVisitor, visitorLink, visitorID)
	find(c.byContact, contactLink, contactID)
	if len(victims) == 0 {
		return nil
	}
	// Take the victims out of every chain they are in, each chain once.
	var visitors, contacts []uint64
	for _, r := range victims {
		_, v, ct := entryKeys(c.at(r).data)
		if v != "" {
			visitors = append(visitors, c.sum(v))
		}
		if ct != "" {
			contacts = append(contacts, c.sum(ct))
		}
	}
	slices.Sort(visitors)
	for _, h := range slices.Compact(visitors) {
		c.dropErased(c.byVisitor, h, visitorLink)
	}
	slices.Sort(contacts)
	for _, h := range slices.Compact(contacts) {
		if !c.dropErased(c.byContact, h, contactLink) {
			delete(c.unsorted, h)
		}
	}
	// Only the ID stays, for Append to know it.
	for _, r := range victims {
		e := c.at(r)
		id, _, _ := entryKeys(e.data)
		e.data = c.encodeKeys(id)
		e.next[visitorLink], e.next[contactLink] = 0, 0
	}
	return nil
}

// dropErased removes the erased entries from the chain of hash h in index,
// through link, and reports whether any entry is left; the caller holds
// the lock.
func (c *ConsentRecords) dropErased(index map[uint64]chain, h uint64, link int) bool {
	var kept chain
	for r := index[h].head; r != 0; {
		e := c.at(r)
		next := e.next[link]
		if !e.erased {
			if kept.tail == 0 {
				kept.head = r
			} else {
				c.at(kept.tail).next[link] = r
			}
			kept.tail = r
		}
		r = next
	}
	if kept.tail == 0 {
		delete(index, h)
		return false
	}
	c.at(kept.tail).next[link] = 0
	index[h] = kept
	return true
}
