package memory

import (
	"cmp"
	"context"
	"hash/maphash"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

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
// concurrent use and must not be copied after first use. No lock covers
// the whole store: a visitor's records are kept in one of 16 shards, by a
// hash of the visitor, so that turns of different conversations append
// and link records in parallel. A directory, itself in 16 independently
// locked parts, says which shards hold an ID, so that an ID is stored once
// store-wide. ForContact and an Erase that names a contact look in every
// shard: a contact's records come from all the visitors it has been.
type ConsentRecords struct {
	shards [consentShards]paddedConsentShard
	// ids maps the hash of an ID to the shards that hold a record with an
	// ID of that hash, as a bit set.
	ids [consentShards]idDirectory
	// seq numbers records in the order of appending, store-wide.
	seq    atomic.Uint64
	lastID atomic.Int64
	// hash is maphash.String when nil; tests set it, before first use, to
	// make keys collide.
	hash func(maphash.Seed, string) uint64
	once sync.Once
}

// consentShards is the number of shards and of directory parts; a
// directory entry is a bit set of shards, in a uint16.
const consentShards = 16

type paddedConsentShard struct {
	consentShard
	_ [cacheLine]byte
}

// idDirectory is one locked part of the ID directory.
type idDirectory struct {
	mu sync.Mutex
	m  map[uint64]uint16
	_  [cacheLine - (unsafe.Sizeof(sync.Mutex{})+unsafe.Sizeof(map[uint64]uint16(nil)))%cacheLine]byte
}

var _ consent.Records = (*ConsentRecords)(nil)

// NewConsentRecords returns an empty record store.
func NewConsentRecords() *ConsentRecords { return &ConsentRecords{} }

// ready hands the store's hash function to the shards, once.
func (c *ConsentRecords) ready() {
	c.once.Do(func() {
		for i := range c.shards {
			c.shards[i].hash = c.hash
		}
	})
}

// sum hashes an index key.
func (c *ConsentRecords) sum(s string) uint64 {
	if c.hash != nil {
		return c.hash(hashSeed, s)
	}
	return maphash.String(hashSeed, s)
}

// shardOf returns the shard of the key whose hash is h.
func (c *ConsentRecords) shardOf(h uint64) int { return int(h % consentShards) }

// Append stores a copy of r once per ID: appending a record with an ID
// stored before does nothing, even when that record has since been erased.
// A record with an empty ID gets a new one.
func (c *ConsentRecords) Append(_ context.Context, r consent.Record) error {
	c.ready()
	// The record goes to its visitor's shard (its contact's when it has
	// no visitor, its ID's when it has neither).
	var hv, hc uint64
	if r.VisitorID != "" {
		hv = c.sum(r.VisitorID)
	}
	if r.ContactID != "" {
		hc = c.sum(r.ContactID)
	}
	generated := r.ID == ""
	for {
		if generated {
			r.ID = "consent-" + strconv.FormatInt(c.lastID.Add(1), 10)
		}
		h := c.sum(r.ID)
		home := h
		switch {
		case r.VisitorID != "":
			home = hv
		case r.ContactID != "":
			home = hc
		}
		if c.appendNew(&r, h, hv, hc, c.shardOf(home)) || !generated {
			return nil
		}
		// A caller stored a record under the ID made up: make another.
	}
}

// appendNew stores r in shard s unless a record with its ID, whose hash is
// h, was stored before, and reports whether it did. The ID's directory
// part stays locked from the check to the insertion, so that two appends
// of one ID store it once.
func (c *ConsentRecords) appendNew(r *consent.Record, h, hv, hc uint64, s int) bool {
	d := &c.ids[c.shardOf(h)]
	d.mu.Lock()
	defer d.mu.Unlock()
	held := d.m[h]
	for i := range consentShards {
		if held&(1<<i) != 0 && c.shards[i].has(r.ID, h) {
			return false
		}
	}
	c.shards[s].insert(r, h, hv, hc, &c.seq)
	if d.m == nil {
		d.m = map[uint64]uint16{}
	}
	d.m[h] = held | 1<<s
	return true
}

// ForContact lists copies of a contact's records, oldest first.
func (c *ConsentRecords) ForContact(_ context.Context, contactID string) ([]consent.Record, error) {
	if contactID == "" {
		return nil, nil
	}
	c.ready()
	var found []numbered
	for i := range c.shards {
		found = c.shards[i].forContact(contactID, found)
	}
	if len(found) == 0 {
		return nil, nil
	}
	slices.SortFunc(found, func(a, b numbered) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]consent.Record, len(found))
	for i := range found {
		out[i] = found[i].r
	}
	return out, nil
}

// ForVisitor lists copies of a visitor's records, oldest first.
func (c *ConsentRecords) ForVisitor(_ context.Context, visitorID string) ([]consent.Record, error) {
	if visitorID == "" {
		return nil, nil
	}
	c.ready()
	return c.shards[c.shardOf(c.sum(visitorID))].forVisitor(visitorID), nil
}

// LinkContact sets the contact of the visitor's records that have none.
func (c *ConsentRecords) LinkContact(_ context.Context, visitorID, contactID string) error {
	if visitorID == "" || contactID == "" {
		return nil
	}
	c.ready()
	c.shards[c.shardOf(c.sum(visitorID))].linkContact(visitorID, contactID)
	return nil
}

// Erase deletes the records of the visitor and those of the contact. An
// empty ID matches nothing. The visitor's records are erased in one step;
// the contact's, shard by shard.
func (c *ConsentRecords) Erase(_ context.Context, visitorID, contactID string) error {
	c.ready()
	home := -1
	if visitorID != "" {
		home = c.shardOf(c.sum(visitorID))
		c.shards[home].erase(visitorID, contactID)
	}
	if contactID == "" {
		return nil
	}
	for i := range c.shards {
		if i != home {
			c.shards[i].erase("", contactID)
		}
	}
	return nil
}

// consentShard is one independently locked part of a ConsentRecords: the
// records of the visitors whose hash falls to it, with their indexes.
type consentShard struct {
	// One lock for the shard: an insertion and Erase's removal from both
	// indexes must each be one step, and every method holds it for a
	// short walk of one visitor's or contact's records.
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
	// hash is maphash.String when nil (the store's, see ConsentRecords).
	hash func(maphash.Seed, string) uint64
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
	seq    uint64 // the store-wide order of appending
	next   [3]ref // by idLink, visitorLink, contactLink
	erased bool
}

// at returns entry r; the pointer is valid until the next entry is added.
func (c *consentShard) at(r ref) *consentEntry {
	return &c.entries[r>>chunkBits][r&(chunkSize-1)]
}

// add stores e as a new entry; the caller holds the lock.
func (c *consentShard) add(e consentEntry) ref {
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
func (c *consentShard) sum(s string) uint64 {
	if c.hash != nil {
		return c.hash(hashSeed, s)
	}
	return maphash.String(hashSeed, s)
}

// init readies the zero value; the caller holds the lock.
func (c *consentShard) init() {
	c.byID = map[uint64]ref{}
	c.byVisitor = map[uint64]chain{}
	c.byContact = map[uint64]chain{}
	c.add(consentEntry{}) // so that ref 0 means none
}

// has reports whether a record with the ID, whose hash is h, was ever
// stored in the shard.
func (c *consentShard) has(id string, h uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID != nil && c.stored(c.byID[h], id)
}

// insert stores a copy of r, whose ID the store knows to be new, with the
// hashes of its ID, visitor and contact, and numbers it from seq.
func (c *consentShard) insert(r *consent.Record, h, hv, hc uint64, seq *atomic.Uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.init()
	}
	e := c.add(consentEntry{data: c.encodeRecord(r), seq: seq.Add(1)})
	c.at(e).next[idLink] = c.byID[h]
	c.byID[h] = e
	if r.VisitorID != "" {
		c.push(c.byVisitor, hv, e, visitorLink)
	}
	if r.ContactID != "" {
		c.push(c.byContact, hc, e, contactLink)
	}
}

// stored reports whether the ID chain from head holds id, that is whether
// a record with that ID was ever stored; the caller holds the lock.
func (c *consentShard) stored(head ref, id string) bool {
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
func (c *consentShard) push(index map[uint64]chain, h uint64, e ref, link int) (outOfOrder bool) {
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

// forContact appends the contact's records in the shard to out, oldest
// first, with their numbers.
func (c *consentShard) forContact(contactID string, out []numbered) []numbered {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byContact == nil {
		return out
	}
	h := c.sum(contactID)
	if _, ok := c.unsorted[h]; ok {
		c.sort(h)
		delete(c.unsorted, h)
	}
	for r := c.byContact[h].head; r != 0; {
		e := c.at(r)
		if c.keyOf(r, contactLink) == contactID {
			out = append(out, numbered{e.seq, c.decodeRecord(e.data)})
		}
		r = e.next[contactLink]
	}
	return out
}

// numbered is a record with its number in the order of appending.
type numbered struct {
	seq uint64
	r   consent.Record
}

// forVisitor lists copies of the visitor's records, oldest first.
func (c *consentShard) forVisitor(visitorID string) []consent.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byVisitor == nil {
		return nil
	}
	return c.records(c.byVisitor[c.sum(visitorID)].head, visitorLink, visitorID)
}

// records decodes the records of the chain from head through link whose
// key (visitor or contact, by link) is key, or returns nil for none; the
// caller holds the lock.
func (c *consentShard) records(head ref, link int, key string) []consent.Record {
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
func (c *consentShard) keyOf(r ref, link int) string {
	_, visitor, contact := entryKeys(c.at(r).data)
	if link == visitorLink {
		return visitor
	}
	return contact
}

// sort puts the contact chain of hash h in the order of appending; the
// caller holds the lock.
func (c *consentShard) sort(h uint64) {
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

// linkContact sets the contact of the visitor's records that have none.
func (c *consentShard) linkContact(visitorID, contactID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byVisitor == nil {
		return
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
}

// erase deletes the shard's records of the visitor and those of the
// contact. An empty ID matches nothing.
func (c *consentShard) erase(visitorID, contactID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byVisitor == nil {
		return
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
		return
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
}

// dropErased removes the erased entries from the chain of hash h in index,
// through link, and reports whether any entry is left; the caller holds
// the lock.
func (c *consentShard) dropErased(index map[uint64]chain, h uint64, link int) bool {
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
