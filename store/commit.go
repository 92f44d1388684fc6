package store

import (
	"context"
	"time"

	"github.com/chatflow/chatflow/consent"
)

// Committer is an optional interface of a Sessions store that can save a
// session and apply a turn's writes to the other stores in one atomic
// step: a database that keeps every store does it in one transaction.
//
// Without it, an engine commits a turn that writes to other stores in
// three steps, so that a failure between them loses nothing: it saves the
// session with the writes in an outbox, applies the writes, and saves the
// session again without them. With it, the engine makes one Commit when
// Covers says the Committer applies writes to the very stores the engine
// was given; a host that wraps or replaces one of them gets the three
// steps.
type Committer interface {
	// Covers reports whether Commit applies writes to the stores of s:
	// whether s.Sessions is this store, s.Contacts and s.Consent are the
	// stores Commit writes to, and s.Companies and s.Subscriptions are
	// too, or nil.
	Covers(s Stores) bool
	// Commit saves c.Data as the conversation's session, as Save does,
	// and applies c's writes, all or nothing: on an error, nothing is
	// saved and nothing applied. It fails with ErrConflict when the
	// stored version is not c.ExpectedVersion, and with ErrNotFound when
	// c has contact writes and c.ContactID no longer exists. It returns
	// the session's new version. The store must not keep c's slices and
	// maps after Commit returns.
	Commit(ctx context.Context, c Commit) (int64, error)
}

// Commit is a session to save and the writes to other stores that go with
// it (see Committer).
type Commit struct {
	// ConversationID, Data and ExpectedVersion are Save's arguments.
	ConversationID  string
	Data            []byte
	ExpectedVersion int64
	// IdleAt is SaveIdle's idle time (see IdleSessions); the zero time
	// means never, as Save records.
	IdleAt time.Time
	// ContactID is the contact that Contact, Subscriptions and
	// LinkConsent apply to.
	ContactID string
	// Contact are property values to set on the contact, as
	// Contacts.UpdateContact sets them.
	Contact Properties
	// CompanyID and Company are property values to set on a company, as
	// Companies.UpdateCompany sets them; a company that no longer exists
	// is not an error, and nothing is set.
	CompanyID string
	Company   Properties
	// Subscriptions are states to set for the contact, each the contact's
	// explicit choice (Subscriptions.SetState with explicit true).
	Subscriptions []SubscriptionWrite
	// Consent are records to append, each once per ID.
	Consent []consent.Record
	// LinkConsent links the conversation's consent records to the contact
	// (consent.Records.LinkContact with the conversation as the visitor).
	LinkConsent bool
}

// SubscriptionWrite is a subscription state to set.
type SubscriptionWrite struct {
	// Type is the subscription type, as Subscriptions.SetState takes it.
	Type string
	// State is the state to set.
	State SubscriptionState
}
