package memory

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/chatflow/chatflow/internal/fold"
	"github.com/chatflow/chatflow/store"
)

// Contacts is an in-memory contact and company store. It implements
// store.Contacts and store.Companies, and adds the methods a host or a test
// needs to set up data that the engine only reads: CreateCompany,
// AssociateCompany, AllContacts and AllCompanies.
//
// IDs are "contact-1", "contact-2", … and "company-1", … in order of
// creation, so a program that creates records in a fixed order gets the
// same IDs on every run.
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
	contacts    [shardCount]shard[*contactRecord]
	// emails indexes contacts by fold.Key of their "email" property. An
	// entry is changed only while the contact's shard is locked for
	// writing, and the lock order is always contacts, then emails.
	emails    [shardCount]shard[[]emailEntry]
	companies [shardCount]shard[*companyRecord]
}

type contactRecord struct {
	seq       uint64 // creation order
	props     store.Properties
	companyID string
}

type companyRecord struct {
	seq   uint64
	props store.Properties
}

// emailEntry is one contact holding an email address. Entries of a key are
// kept in creation order, so that of several contacts with the same email
// the oldest is found.
type emailEntry struct {
	seq uint64
	id  string
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
	sh := &c.contacts[shardOf(id)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	rec, ok := sh.m[id]
	if !ok {
		return store.Contact{}, fmt.Errorf("memory: contact %q: %w", id, store.ErrNotFound)
	}
	return rec.contact(id), nil
}

// errNoContact is ContactProperty's not-found error: made once.
var errNoContact = fmt.Errorf("memory: contact: %w", store.ErrNotFound)

// ContactProperty returns one property of a contact without copying the
// others (store.ContactPropertyReader), or an error matching
// store.ErrNotFound for an unknown ID.
func (c *Contacts) ContactProperty(_ context.Context, id, name string) (string, bool, error) {
	sh := &c.contacts[shardOf(id)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	rec, ok := sh.m[id]
	if !ok {
		return "", false, errNoContact
	}
	v, ok := rec.props[name]
	return v, ok, nil
}

// contact returns a copy of the record; the caller holds its shard's lock.
func (rec *contactRecord) contact(id string) store.Contact {
	return store.Contact{ID: id, Properties: cloneProps(rec.props), CompanyID: rec.companyID}
}

// ContactByEmail returns the contact whose "email" property equals email
// under Unicode case folding, or an error matching store.ErrNotFound. No
// other normalization happens: surrounding spaces count. When several
// contacts share the address, the one created first is returned.
func (c *Contacts) ContactByEmail(_ context.Context, email string) (store.Contact, error) {
	if email != "" {
		key := fold.Key(email)
		ix := &c.emails[shardOf(key)]
		ix.mu.RLock()
		entries := ix.m[key] // never modified in place; see indexRemove
		ix.mu.RUnlock()
		for _, e := range entries {
			sh := &c.contacts[shardOf(e.id)]
			sh.mu.RLock()
			rec, ok := sh.m[e.id]
			// The contact may have changed its email since the index was
			// read; the record has the last word.
			if ok && strings.EqualFold(rec.props["email"], email) {
				ct := rec.contact(e.id)
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
	id := "contact-" + strconv.FormatUint(seq, 10)
	rec := &contactRecord{seq: seq, props: make(store.Properties, len(props))}
	mergeProps(rec.props, props)
	sh := &c.contacts[shardOf(id)]
	sh.mu.Lock()
	sh.put(id, rec)
	if email := rec.props["email"]; email != "" {
		c.indexAdd(fold.Key(email), emailEntry{seq: seq, id: id})
	}
	ct := rec.contact(id)
	sh.mu.Unlock()
	return ct, nil
}

// UpdateContact merges props into the contact's properties, removing those
// set to "", and keeps the email index current. It returns an error
// matching store.ErrNotFound for an unknown ID. Repeating an update is
// harmless.
func (c *Contacts) UpdateContact(_ context.Context, id string, props store.Properties) error {
	sh := &c.contacts[shardOf(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.m[id]
	if !ok {
		return fmt.Errorf("memory: update contact %q: %w", id, store.ErrNotFound)
	}
	oldEmail := rec.props["email"]
	mergeProps(rec.props, props)
	if newEmail := rec.props["email"]; newEmail != oldEmail {
		oldKey, newKey := fold.Key(oldEmail), fold.Key(newEmail)
		if oldKey != newKey {
			if oldEmail != "" {
				c.indexRemove(oldKey, id)
			}
			if newEmail != "" {
				c.indexAdd(newKey, emailEntry{seq: rec.seq, id: id})
			}
		}
	}
	return nil
}

// DeleteContact removes a contact and its email index entry; a missing
// contact is not an error.
func (c *Contacts) DeleteContact(_ context.Context, id string) error {
	sh := &c.contacts[shardOf(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.m[id]
	if !ok {
		return nil
	}
	if email := rec.props["email"]; email != "" {
		c.indexRemove(fold.Key(email), id)
	}
	delete(sh.m, id)
	return nil
}

// indexAdd adds e under key, keeping creation order.
func (c *Contacts) indexAdd(key string, e emailEntry) {
	ix := &c.emails[shardOf(key)]
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.m[key]
	i, _ := slices.BinarySearchFunc(old, e.seq, func(x emailEntry, seq uint64) int {
		return compareUint(x.seq, seq)
	})
	// Build a new slice: readers may still hold the old one.
	entries := make([]emailEntry, 0, len(old)+1)
	entries = append(append(append(entries, old[:i]...), e), old[i:]...)
	ix.put(key, entries)
}

// indexRemove removes contact id from key.
func (c *Contacts) indexRemove(key, id string) {
	ix := &c.emails[shardOf(key)]
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.m[key]
	i := slices.IndexFunc(old, func(e emailEntry) bool { return e.id == id })
	switch {
	case i < 0:
	case len(old) == 1:
		delete(ix.m, key)
	default:
		// A new slice, as in indexAdd.
		ix.m[key] = append(append(make([]emailEntry, 0, len(old)-1), old[:i]...), old[i+1:]...)
	}
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
	return inCreationOrder(c.contacts[:], func(r *contactRecord) uint64 { return r.seq },
		func(id string, r *contactRecord) store.Contact { return r.contact(id) })
}

// AssociateCompany links the contact to the company, replacing any earlier
// association; companyID "" removes the association. It returns an error
// matching store.ErrNotFound if either record does not exist.
func (c *Contacts) AssociateCompany(_ context.Context, contactID, companyID string) error {
	if companyID != "" {
		cs := &c.companies[shardOf(companyID)]
		cs.mu.RLock()
		_, ok := cs.m[companyID]
		cs.mu.RUnlock()
		// Companies are never deleted, so the check stays true.
		if !ok {
			return fmt.Errorf("memory: associate company %q: %w", companyID, store.ErrNotFound)
		}
	}
	sh := &c.contacts[shardOf(contactID)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.m[contactID]
	if !ok {
		return fmt.Errorf("memory: associate contact %q: %w", contactID, store.ErrNotFound)
	}
	rec.companyID = companyID
	return nil
}

// CreateCompany stores a new company with a copy of props (minus empty
// values) and returns it with its new ID.
func (c *Contacts) CreateCompany(_ context.Context, props store.Properties) (store.Company, error) {
	seq := c.lastCompany.Add(1)
	id := "company-" + strconv.FormatUint(seq, 10)
	rec := &companyRecord{seq: seq, props: make(store.Properties, len(props))}
	mergeProps(rec.props, props)
	out := store.Company{ID: id, Properties: cloneProps(rec.props)}
	sh := &c.companies[shardOf(id)]
	sh.mu.Lock()
	sh.put(id, rec)
	sh.mu.Unlock()
	return out, nil
}

// Company returns the company with the given ID, or an error matching
// store.ErrNotFound.
func (c *Contacts) Company(_ context.Context, id string) (store.Company, error) {
	sh := &c.companies[shardOf(id)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	rec, ok := sh.m[id]
	if !ok {
		return store.Company{}, fmt.Errorf("memory: company %q: %w", id, store.ErrNotFound)
	}
	return store.Company{ID: id, Properties: cloneProps(rec.props)}, nil
}

// UpdateCompany merges props into the company's properties like
// UpdateContact. It returns an error matching store.ErrNotFound for an
// unknown ID.
func (c *Contacts) UpdateCompany(_ context.Context, id string, props store.Properties) error {
	sh := &c.companies[shardOf(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec, ok := sh.m[id]
	if !ok {
		return fmt.Errorf("memory: update company %q: %w", id, store.ErrNotFound)
	}
	mergeProps(rec.props, props)
	return nil
}

// AllCompanies returns copies of all companies in order of creation. Like
// AllContacts it is meant for tests and small demos.
func (c *Contacts) AllCompanies(context.Context) []store.Company {
	return inCreationOrder(c.companies[:], func(r *companyRecord) uint64 { return r.seq },
		func(id string, r *companyRecord) store.Company {
			return store.Company{ID: id, Properties: cloneProps(r.props)}
		})
}

// inCreationOrder copies every record of the shards, ordered by seq.
func inCreationOrder[R, T any](shards []shard[R], seq func(R) uint64, conv func(string, R) T) []T {
	type item struct {
		seq uint64
		v   T
	}
	var items []item
	for i := range shards {
		sh := &shards[i]
		sh.mu.RLock()
		for id, rec := range sh.m {
			items = append(items, item{seq(rec), conv(id, rec)})
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

// mergeProps applies src to dst: a value "" removes the property, any other
// value sets it.
func mergeProps(dst, src store.Properties) {
	for k, v := range src {
		if v == "" {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
}

// cloneProps returns a copy of p that is never nil.
func cloneProps(p store.Properties) store.Properties {
	c := make(store.Properties, len(p))
	for k, v := range p {
		c[k] = v
	}
	return c
}
