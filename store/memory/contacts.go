package memory

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/chatflow/chatflow/store"
)

// Contacts is an in-memory contact and company store. It implements
// store.Contacts and store.Companies, and adds the methods a host or a test
// needs to set up data that the engine only reads: CreateCompany,
// AssociateCompany, AllContacts and AllCompanies.
//
// IDs are "contact-1", "contact-2", … and "company-1", … in order of
// creation, so a program that creates records in a fixed order gets the
// same IDs on every run. Any other spelling of an ID, such as
// "contact-01", names no record.
//
// Properties set to "" are not stored: creating or updating with an empty
// value leaves the property absent. Returned records always have a non-nil
// Properties map, which the caller owns.
//
// The zero value is an empty store ready to use. Contacts is safe for
// concurrent use; each method is atomic. The ctx arguments are not
// consulted: no method waits for anything but brief internal locks.
type Contacts struct {
	lastContact atomic.Uint64
	lastCompany atomic.Uint64
	// A host keeps a contact per identified visitor for as long as it
	// runs, so every garbage collection marks them all: records are
	// keyed by the number of their ID and held by value, and the ID
	// string is made only when a record is handed out. What remains per
	// contact is its properties map and the copy of its strings.
	contacts [shardCount]shard[uint64, contactRecord]
	// emails indexes contacts by a hash of their "email" property. An
	// entry is changed only while the contact's shard is locked for
	// writing, and the lock order is always contacts, then emails.
	emails    [shardCount]emailShard
	companies [shardCount]shard[uint64, store.Properties]
	names     nameTable
}

type contactRecord struct {
	props   store.Properties // nil until the contact has a property
	company uint64           // the number of the company's ID; 0 for none
}

// ID prefixes; the rest of an ID is the record's number in decimal.
const (
	contactPrefix = "contact-"
	companyPrefix = "company-"
)

// seqShardOf spreads consecutive numbers over all shards, so that the
// contacts of concurrent conversations rarely share a lock.
func seqShardOf(seq uint64) int { return int(seq % shardCount) }

// parseID returns the number of an ID made by formatID with the same
// prefix. Every other string, whether with leading zeros, a sign, another
// prefix or a number beyond uint64, reports false: no such ID was ever
// issued, so it names no record. strconv.ParseUint would take leading
// zeros, and make an error value for every malformed ID.
func parseID(id, prefix string) (uint64, bool) {
	digits, ok := strings.CutPrefix(id, prefix)
	if !ok || digits == "" || digits[0] == '0' {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(digits); i++ {
		d := uint64(digits[i]) - '0'
		if d > 9 || n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// formatID returns the ID of record number seq in one allocation.
func formatID(prefix string, seq uint64) string {
	var buf [len(contactPrefix) + 20]byte
	return string(strconv.AppendUint(append(buf[:0], prefix...), seq, 10))
}

// Compile-time checks that Contacts implements the store interfaces.
var (
	_ store.Contacts  = (*Contacts)(nil)
	_ store.Companies = (*Contacts)(nil)
)

// errNoContactByEmail is ContactByEmail's not-found error: made once, as a
// new visitor's email is usually not found, on a turn's hot path.
var errNoContactByEmail = fmt.Errorf("memory: contact by email: %w", store.ErrNotFound)

// NewContacts returns a new, empty contact and company store.
func NewContacts() *Contacts { return new(Contacts) }

// Contact returns the contact with the given ID, or an error matching
// store.ErrNotFound.
func (c *Contacts) Contact(_ context.Context, id string) (store.Contact, error) {
	if seq, ok := parseID(id, contactPrefix); ok {
		sh := &c.contacts[seqShardOf(seq)]
		sh.mu.RLock()
		rec, ok := sh.m[seq]
		if ok {
			// id is the canonical spelling of seq, so it serves as the
			// returned ID without making another.
			ct := rec.contact(id)
			sh.mu.RUnlock()
			return ct, nil
		}
		sh.mu.RUnlock()
	}
	return store.Contact{}, fmt.Errorf("memory: contact %q: %w", id, store.ErrNotFound)
}

// errNoContact is ContactProperty's not-found error: made once.
var errNoContact = fmt.Errorf("memory: contact: %w", store.ErrNotFound)

// ContactProperty returns one property of a contact without copying the
// others (store.ContactPropertyReader), or an error matching
// store.ErrNotFound for an unknown ID.
func (c *Contacts) ContactProperty(_ context.Context, id, name string) (string, bool, error) {
	seq, ok := parseID(id, contactPrefix)
	if !ok {
		return "", false, errNoContact
	}
	sh := &c.contacts[seqShardOf(seq)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	rec, ok := sh.m[seq]
	if !ok {
		return "", false, errNoContact
	}
	v, ok := rec.props[name]
	return v, ok, nil
}

// contact returns a copy of the record under the given ID; the caller
// holds its shard's lock.
func (rec *contactRecord) contact(id string) store.Contact {
	ct := store.Contact{ID: id, Properties: cloneProps(rec.props)}
	if rec.company != 0 {
		ct.CompanyID = formatID(companyPrefix, rec.company)
	}
	return ct
}

// ContactByEmail returns the contact whose "email" property equals email
// under Unicode case folding, or an error matching store.ErrNotFound. No
// other normalization happens: surrounding spaces count. When several
// contacts share the address, the one created first is returned.
func (c *Contacts) ContactByEmail(_ context.Context, email string) (store.Contact, error) {
	if email != "" {
		var one [1]uint64
		for _, seq := range c.emailCandidates(emailHash(email), &one) {
			sh := &c.contacts[seqShardOf(seq)]
			sh.mu.RLock()
			rec, ok := sh.m[seq]
			// The index holds hashes, which may collide, and the contact
			// may have changed its email since the index was read: the
			// record has the last word.
			if ok && strings.EqualFold(rec.props["email"], email) {
				ct := rec.contact(formatID(contactPrefix, seq))
				sh.mu.RUnlock()
				return ct, nil
			}
			sh.mu.RUnlock()
		}
	}
	return store.Contact{}, errNoContactByEmail
}

// CreateContact stores a new contact with a copy of props (minus empty
// values) and returns it with its new ID.
func (c *Contacts) CreateContact(_ context.Context, props store.Properties) (store.Contact, error) {
	seq := c.lastContact.Add(1)
	rec := contactRecord{props: c.mergeIn(nil, props)}
	// Copied before the record is visible, as from then on an update
	// may change its map.
	ct := store.Contact{ID: formatID(contactPrefix, seq), Properties: cloneProps(rec.props)}
	sh := &c.contacts[seqShardOf(seq)]
	sh.mu.Lock()
	sh.put(seq, rec)
	if email := rec.props["email"]; email != "" {
		c.indexAdd(emailHash(email), seq)
	}
	sh.mu.Unlock()
	return ct, nil
}

// UpdateContact merges props into the contact's properties, removing those
// set to "", and keeps the email index current. It returns an error
// matching store.ErrNotFound for an unknown ID. Repeating an update is
// harmless.
func (c *Contacts) UpdateContact(_ context.Context, id string, props store.Properties) error {
	seq, ok := parseID(id, contactPrefix)
	if !ok {
		return fmt.Errorf("memory: update contact %q: %w", id, store.ErrNotFound)
	}
	sh := &c.contacts[seqShardOf(seq)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.m[seq]
	if !ok {
		return fmt.Errorf("memory: update contact %q: %w", id, store.ErrNotFound)
	}
	oldEmail := rec.props["email"]
	if merged := c.mergeIn(rec.props, props); rec.props == nil && merged != nil {
		rec.props = merged
		sh.m[seq] = rec
	}
	if newEmail := rec.props["email"]; newEmail != oldEmail {
		c.indexMove(oldEmail, newEmail, seq)
	}
	return nil
}

// DeleteContact removes a contact and its email index entry; a missing
// contact is not an error.
func (c *Contacts) DeleteContact(_ context.Context, id string) error {
	seq, ok := parseID(id, contactPrefix)
	if !ok {
		return nil
	}
	sh := &c.contacts[seqShardOf(seq)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.m[seq]
	if !ok {
		return nil
	}
	if email := rec.props["email"]; email != "" {
		c.indexRemove(emailHash(email), seq)
	}
	delete(sh.m, seq)
	return nil
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AllContacts returns copies of all contacts in order of creation. It is
// meant for tests and small demos: it copies the whole store.
func (c *Contacts) AllContacts(context.Context) []store.Contact {
	return inCreationOrder(c.contacts[:], func(seq uint64, r contactRecord) store.Contact {
		return r.contact(formatID(contactPrefix, seq))
	})
}

// AssociateCompany links the contact to the company, replacing any earlier
// association; companyID "" removes the association. It returns an error
// matching store.ErrNotFound if either record does not exist.
func (c *Contacts) AssociateCompany(_ context.Context, contactID, companyID string) error {
	var company uint64
	if companyID != "" {
		seq, ok := parseID(companyID, companyPrefix)
		if ok {
			cs := &c.companies[seqShardOf(seq)]
			cs.mu.RLock()
			_, ok = cs.m[seq]
			cs.mu.RUnlock()
		}
		// Companies are never deleted, so the check stays true.
		if !ok {
			return fmt.Errorf("memory: associate company %q: %w", companyID, store.ErrNotFound)
		}
		company = seq
	}
	seq, ok := parseID(contactID, contactPrefix)
	if !ok {
		return fmt.Errorf("memory: associate contact %q: %w", contactID, store.ErrNotFound)
	}
	sh := &c.contacts[seqShardOf(seq)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.m[seq]
	if !ok {
		return fmt.Errorf("memory: associate contact %q: %w", contactID, store.ErrNotFound)
	}
	rec.company = company
	sh.m[seq] = rec
	return nil
}

// CreateCompany stores a new company with a copy of props (minus empty
// values) and returns it with its new ID.
func (c *Contacts) CreateCompany(_ context.Context, props store.Properties) (store.Company, error) {
	seq := c.lastCompany.Add(1)
	stored := c.mergeIn(nil, props)
	out := store.Company{ID: formatID(companyPrefix, seq), Properties: cloneProps(stored)}
	sh := &c.companies[seqShardOf(seq)]
	sh.mu.Lock()
	sh.put(seq, stored)
	sh.mu.Unlock()
	return out, nil
}

// Company returns the company with the given ID, or an error matching
// store.ErrNotFound.
func (c *Contacts) Company(_ context.Context, id string) (store.Company, error) {
	if seq, ok := parseID(id, companyPrefix); ok {
		sh := &c.companies[seqShardOf(seq)]
		sh.mu.RLock()
		props, ok := sh.m[seq]
		if ok {
			co := store.Company{ID: id, Properties: cloneProps(props)}
			sh.mu.RUnlock()
			return co, nil
		}
		sh.mu.RUnlock()
	}
	return store.Company{}, fmt.Errorf("memory: company %q: %w", id, store.ErrNotFound)
}

// UpdateCompany merges props into the company's properties like
// UpdateContact. It returns an error matching store.ErrNotFound for an
// unknown ID.
func (c *Contacts) UpdateCompany(_ context.Context, id string, props store.Properties) error {
	seq, ok := parseID(id, companyPrefix)
	if !ok {
		return fmt.Errorf("memory: update company %q: %w", id, store.ErrNotFound)
	}
	sh := &c.companies[seqShardOf(seq)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	stored, ok := sh.m[seq]
	if !ok {
		return fmt.Errorf("memory: update company %q: %w", id, store.ErrNotFound)
	}
	if merged := c.mergeIn(stored, props); stored == nil && merged != nil {
		sh.m[seq] = merged
	}
	return nil
}

// AllCompanies returns copies of all companies in order of creation. Like
// AllContacts it is meant for tests and small demos.
func (c *Contacts) AllCompanies(context.Context) []store.Company {
	return inCreationOrder(c.companies[:], func(seq uint64, p store.Properties) store.Company {
		return store.Company{ID: formatID(companyPrefix, seq), Properties: cloneProps(p)}
	})
}

// inCreationOrder copies every record of the shards, ordered by number.
func inCreationOrder[R, T any](shards []shard[uint64, R], conv func(uint64, R) T) []T {
	type item struct {
		seq uint64
		v   T
	}
	var items []item
	for i := range shards {
		sh := &shards[i]
		sh.mu.RLock()
		for seq, rec := range sh.m {
			items = append(items, item{seq, conv(seq, rec)})
		}
		sh.mu.RUnlock()
	}
	slices.SortFunc(items, func(a, b item) int { return compareUint(a.seq, b.seq) })
	out := make([]T, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out
}

// cloneProps returns a copy of p that is never nil.
func cloneProps(p store.Properties) store.Properties {
	c := make(store.Properties, len(p))
	for k, v := range p {
		c[k] = v
	}
	return c
}
