package memory

import (
	"context"
	"slices"
	"strconv"
	"strings"
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
	mu        sync.Mutex
	ids       map[string]bool // every ID ever stored
	lastID    int
	seq       uint64
	byVisitor map[string][]*consentEntry // in order of seq
	byContact map[string][]*consentEntry // in order of seq once sorted
	// unsorted holds the contacts whose list LinkContact appended to; it
	// is put in order when read, so linking costs what it links, however
	// long the contact's history.
	unsorted map[string]bool
	// strings are the record fields kept once (see consentcodec.go).
	strings interned
	buf     []byte // for encoding records
}

// consentEntry is a stored record, encoded (see consentcodec.go), with the
// two fields the indexes need at hand. A record with neither a visitor nor
// a contact is in no index: no method could find or erase it.
type consentEntry struct {
	seq                      uint64 // order of appending
	data                     string
	id, visitorID, contactID string // slices of data
	erased                   bool
}

// newEntry encodes r as an entry; the caller holds the lock.
func (c *ConsentRecords) newEntry(seq uint64, r *consent.Record) *consentEntry {
	e := &consentEntry{seq: seq}
	c.setRecord(e, r)
	return e
}

// setRecord stores r in e; the caller holds the lock.
func (c *ConsentRecords) setRecord(e *consentEntry, r *consent.Record) {
	e.data = c.encodeRecord(r)
	d := decoder{s: e.data}
	e.id, e.visitorID, e.contactID = d.string(), d.string(), d.string()
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
	if c.ids == nil {
		c.ids = map[string]bool{}
		c.byVisitor = map[string][]*consentEntry{}
		c.byContact = map[string][]*consentEntry{}
	}
	generated := false
	// A new ID must not be one stored before (by a caller, or before an
	// Erase): Append would take the record for a repeat and drop it.
	for r.ID == "" || (generated && c.ids[r.ID]) {
		generated = true
		c.lastID++
		r.ID = "consent-" + strconv.Itoa(c.lastID)
	}
	if c.ids[r.ID] {
		return nil
	}
	c.seq++
	e := c.newEntry(c.seq, &r)
	// A copy of the ID: a slice of the entry's data would keep the erased
	// record's data in memory, which Erase must let go.
	c.ids[strings.Clone(e.id)] = true
	if e.visitorID != "" {
		c.byVisitor[e.visitorID] = append(c.byVisitor[e.visitorID], e)
	}
	if e.contactID != "" {
		c.byContact[e.contactID] = append(c.byContact[e.contactID], e)
	}
	return nil
}

// ForContact lists copies of a contact's records, oldest first.
func (c *ConsentRecords) ForContact(_ context.Context, contactID string) ([]consent.Record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unsorted[contactID] {
		slices.SortStableFunc(c.byContact[contactID], func(a, b *consentEntry) int {
			return compareUint(a.seq, b.seq)
		})
		delete(c.unsorted, contactID)
	}
	return c.records(c.byContact[contactID]), nil
}

// ForVisitor lists copies of a visitor's records, oldest first.
func (c *ConsentRecords) ForVisitor(_ context.Context, visitorID string) ([]consent.Record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.records(c.byVisitor[visitorID]), nil
}

// records decodes the records of entries, or returns nil for none; the
// caller holds the lock.
func (c *ConsentRecords) records(entries []*consentEntry) []consent.Record {
	if len(entries) == 0 {
		return nil
	}
	out := make([]consent.Record, len(entries))
	for i, e := range entries {
		out[i] = c.decodeRecord(e.data)
	}
	return out
}

// LinkContact sets the contact of the visitor's records that have none.
func (c *ConsentRecords) LinkContact(_ context.Context, visitorID, contactID string) error {
	if visitorID == "" || contactID == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var linked []*consentEntry
	for _, e := range c.byVisitor[visitorID] {
		if e.contactID == "" {
			r := c.decodeRecord(e.data)
			r.ContactID = contactID
			c.setRecord(e, &r)
			linked = append(linked, e)
		}
	}
	if len(linked) == 0 {
		return nil
	}
	contactID = linked[0].contactID // the entry's copy, for the index key
	list := c.byContact[contactID]
	if n := len(list); n > 0 && list[n-1].seq > linked[0].seq {
		if c.unsorted == nil {
			c.unsorted = map[string]bool{}
		}
		c.unsorted[contactID] = true
	}
	c.byContact[contactID] = append(list, linked...)
	return nil
}

// Erase deletes the records of the visitor and those of the contact. An
// empty ID matches nothing.
func (c *ConsentRecords) Erase(_ context.Context, visitorID, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var victims []*consentEntry
	if visitorID != "" {
		victims = append(victims, c.byVisitor[visitorID]...)
		delete(c.byVisitor, visitorID)
	}
	if contactID != "" {
		victims = append(victims, c.byContact[contactID]...)
		delete(c.byContact, contactID)
	}
	for _, e := range victims {
		e.erased = true
	}
	// Take the victims out of the other index they are in.
	for _, e := range victims {
		if v := e.visitorID; v != "" && v != visitorID {
			dropErased(c.byVisitor, v)
		}
		if ct := e.contactID; ct != "" && ct != contactID {
			dropErased(c.byContact, ct)
		}
	}
	return nil
}

// dropErased removes the erased entries of key from index.
func dropErased(index map[string][]*consentEntry, key string) {
	kept := slices.DeleteFunc(index[key], func(e *consentEntry) bool { return e.erased })
	if len(kept) == 0 {
		delete(index, key)
	} else {
		index[key] = kept
	}
}
