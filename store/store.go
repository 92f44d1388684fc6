// Package store defines the persistence ports of chatflow: contacts and
// companies, conversation sessions, the lock that serializes the turns of
// one conversation, and the records the built-in actions keep or read
// (subscription states, lists, workflow enrollments, tickets, knowledge-base
// articles, meeting links). Consent records are declared by package consent.
// Stores bundles them all for an engine. The engine never keeps state of its
// own between calls; everything it must remember goes through these
// interfaces.
//
// # Not-found contract
//
// Every lookup of a single record returns an error matching ErrNotFound
// (errors.Is) when the record does not exist. Any other error is treated as a
// failure of the store: the engine aborts the turn, the session does not
// advance, and the host may retry the same message.
//
// # Serializing turns
//
// Two messages of one conversation must never be processed at the same time,
// or one turn's session update would overwrite the other's. The engine therefore
// takes the conversation's Lock, loads the session, runs the turn, writes
// property changes, and saves the session with Save's expected version before
// releasing the lock. The version check is a fence: if a lock was lost (for
// example a lease that expired in a distributed lock), Save fails with
// ErrConflict instead of overwriting a newer session.
//
// How adapters implement this:
//
//   - PostgreSQL (store/postgres): Lock takes a connection from a pool of
//     its own and runs SELECT pg_advisory_lock on a 64-bit hash of the key;
//     unlock runs pg_advisory_unlock and returns the connection (a
//     connection that drops releases the lock). Save is
//     UPDATE sessions SET data=$2, version=version+1 WHERE id=$1 AND version=$3
//     (INSERT … ON CONFLICT DO NOTHING for version 0), and zero affected rows
//     means ErrConflict.
//   - Redis (store/redis): Lock is SET lock:{id} <token> NX PX <lease>
//     retried until the context ends, the lease renewed while held, unlock a
//     Lua script that deletes the key only if it still holds the token. Save
//     is a Lua script that compares the stored version with the expected one
//     before writing data and version+1.
//
// # Committing a turn
//
// A turn that changes other stores as well (a contact's properties, a
// consent record) saves the session with those writes in an outbox,
// applies them, and saves the session again without them: a failure at
// any point leaves what a retry completes. A session store that can save
// the session and apply the writes in one atomic step implements
// Committer, and the engine then commits such a turn with one call. The
// memory stores do (one session save instead of two, about a seventh of a
// turn at 200,000 conversations), and so do SQLite and PostgreSQL when
// every store is theirs: one transaction instead of several commits.
//
// # Personal data and erasure
//
// A visitor may ask to be forgotten (the GDPR's right to erasure) and to see
// what is kept about them (the right of access). These stores hold personal
// data, and each has a way to erase it:
//
//   - Contacts: the contact record itself; erased by ContactDeleter.
//   - Sessions: a conversation's answers and pending properties, by
//     conversation ID; erased by Sessions.Delete.
//   - consent.Records: consent decisions by visitor and contact; erased by
//     consent.Records.Erase.
//   - Subscriptions, Lists, Workflows and Tickets: subscription states, list
//     memberships, workflow enrollments and tickets (which carry the
//     visitor's own words), by contact ID; erased by Forgetter.
//
// Companies, KnowledgeBase, Meetings and Locker hold no personal data by
// contact. A Forgetter among Subscriptions, Lists, Workflows and Tickets
// should also implement the matching reader (SubscriptionReader,
// ListReader, WorkflowReader, TicketReader): store/storetest uses it to
// check that Forget leaves nothing of the contact behind, and a host can
// use it to answer a data-subject access request. The engine's Forget
// erases a visitor across all of them.
//
// Implementations of every interface in this package must be safe for
// concurrent use. The conformance suite in store/storetest checks these
// contracts for any adapter.
package store

import (
	"context"
	"errors"
)

// ErrNotFound reports that a requested record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict reports that a record changed since it was read: Save's expected
// version did not match the stored one.
var ErrConflict = errors.New("store: version conflict")

// Properties holds named property values. Values are strings, as HubSpot keeps
// them: numbers in decimal, dates as ISO 8601 (YYYY-MM-DD), booleans as "true"
// or "false", multiple enumeration values separated by ";". A nil Properties
// is an empty set.
type Properties map[string]string

// Clone returns a copy of p that shares no memory with it.
func (p Properties) Clone() Properties {
	if p == nil {
		return nil
	}
	c := make(Properties, len(p))
	for k, v := range p {
		c[k] = v
	}
	return c
}

// Contact is a contact record. The zero value is an empty, unsaved contact.
type Contact struct {
	// ID identifies the contact in the store.
	ID string
	// Properties are the contact's property values.
	Properties Properties
	// CompanyID is the associated company's ID, or "" if none.
	CompanyID string
}

// Company is a company record. The zero value is an empty, unsaved company.
type Company struct {
	// ID identifies the company in the store.
	ID string
	// Properties are the company's property values.
	Properties Properties
}

// Contacts reads and writes contact records. Returned records are copies the
// caller may keep and modify.
type Contacts interface {
	// Contact returns the contact with the given ID, or ErrNotFound.
	Contact(ctx context.Context, id string) (Contact, error)
	// ContactByEmail returns the contact whose "email" property equals email
	// (compared case-insensitively), or ErrNotFound. If several contacts
	// share an address, it returns the one created first.
	ContactByEmail(ctx context.Context, email string) (Contact, error)
	// CreateContact stores a new contact with the given properties and
	// returns it with its new ID.
	CreateContact(ctx context.Context, props Properties) (Contact, error)
	// UpdateContact merges props into the contact's properties; a property
	// set to "" is cleared (afterwards it is absent, or stored as "", which
	// callers treat alike). It returns ErrNotFound for an unknown ID.
	// Writing the same values twice must be harmless: the engine may repeat
	// a write when the host retries a message after a failure.
	UpdateContact(ctx context.Context, id string, props Properties) error
}

// ContactPropertyReader is an optional interface of a Contacts store that
// reads one property of a contact without copying the others. When the
// store has it, the engine reads an identified visitor's properties one at
// a time (a turn typically reads two or three of them), so a turn costs the
// same for a contact with ten properties as for one with a thousand.
// Implement it when one read is cheaper than Contact: an in-memory store,
// not one that makes a round trip per call.
type ContactPropertyReader interface {
	// ContactProperty returns the value of the contact's property and
	// whether it is set, or an error matching ErrNotFound for an unknown
	// contact. The error for an unknown contact should not be formatted
	// per call.
	ContactProperty(ctx context.Context, id, name string) (value string, ok bool, err error)
}

// Companies reads and writes company records.
type Companies interface {
	// Company returns the company with the given ID, or ErrNotFound.
	Company(ctx context.Context, id string) (Company, error)
	// UpdateCompany merges props into the company's properties like
	// UpdateContact. It returns ErrNotFound for an unknown ID.
	UpdateCompany(ctx context.Context, id string, props Properties) error
}

// SessionRecord is a stored session: data the engine serialized, and the
// version the store assigned when it was saved.
type SessionRecord struct {
	// Data is the engine's serialized session; the store treats it as opaque.
	Data []byte
	// Version increases by one on every successful Save; 0 means never saved.
	Version int64
}

// Sessions stores the conversation sessions, keyed by conversation ID.
type Sessions interface {
	// Load returns the stored session of a conversation, or ErrNotFound.
	// The record's Data is read-only on both sides: the store must not
	// modify it after returning it (the engine decodes a session's strings
	// in place, without copying them), and the caller must not modify it
	// either, so a store that keeps sessions in memory may return the
	// slice it holds, to several callers, without copying it.
	Load(ctx context.Context, conversationID string) (SessionRecord, error)
	// Save stores data if the stored version equals expectedVersion (0: no
	// session may exist yet) and returns the new version. On a mismatch it
	// stores nothing and returns ErrConflict.
	//
	// The store must not keep data after Save returns (copy it if it keeps
	// it in memory): the engine reuses the buffer for the next session.
	Save(ctx context.Context, conversationID string, data []byte, expectedVersion int64) (int64, error)
	// Delete removes a conversation's session. Deleting a missing session
	// is not an error. A later Save with expected version 0 starts the
	// conversation afresh; callers must hold the conversation's lock, so no
	// stale writer can reuse the old version numbers.
	Delete(ctx context.Context, conversationID string) error
}

// Locker gives one caller at a time exclusive use of a key. The engine locks
// a conversation ID for the length of a turn.
type Locker interface {
	// Lock blocks until the key is free or ctx ends, and returns the function
	// that releases it. When ctx ends first (or has already ended), Lock
	// returns an error matching ctx.Err(). Calling unlock more than once is
	// harmless: calls after the first do nothing.
	Lock(ctx context.Context, key string) (unlock func(), err error)
}

// ContactDeleter is an optional interface of a Contacts store that can
// delete a contact (the right to be forgotten). Deleting a missing contact
// is not an error.
type ContactDeleter interface {
	DeleteContact(ctx context.Context, id string) error
}
