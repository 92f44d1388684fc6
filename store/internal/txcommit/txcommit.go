// Package txcommit applies a store.Commit inside a database transaction,
// in the order store.Committer asks for, for the adapters whose stores
// share one database (store/sqlite, store/postgres). The adapter opens the
// transaction, runs Apply, and commits if Apply returns no error.
package txcommit

import (
	"context"
	"errors"
	"time"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// Tx is what Apply needs of an adapter's transaction: the statements its
// stores run, each through the transaction.
type Tx interface {
	// SaveSession is Sessions.SaveIdle.
	SaveSession(ctx context.Context, conversationID string, data []byte, expectedVersion int64, idleAt time.Time) (int64, error)
	// UpdateContact and UpdateCompany are the contacts store's methods.
	UpdateContact(ctx context.Context, id string, p store.Properties) error
	UpdateCompany(ctx context.Context, id string, p store.Properties) error
	// SetState is Subscriptions.SetState with explicit true.
	SetState(ctx context.Context, contactID, typ string, st store.SubscriptionState) error
	// AppendConsent and LinkConsent are the consent store's Append and
	// LinkContact.
	AppendConsent(ctx context.Context, r consent.Record) error
	LinkConsent(ctx context.Context, visitorID, contactID string) error
}

// Apply saves c's session and applies its writes through tx, and returns
// the session's new version. Any error means the transaction must be
// rolled back: a version conflict (store.ErrConflict), a contact that no
// longer exists (store.ErrNotFound), or a failed statement. A company that
// no longer exists is skipped, as store.Commit says.
func Apply(ctx context.Context, tx Tx, c store.Commit) (int64, error) {
	v, err := tx.SaveSession(ctx, c.ConversationID, c.Data, c.ExpectedVersion, c.IdleAt)
	if err != nil {
		return 0, err
	}
	if len(c.Contact) > 0 {
		if err := tx.UpdateContact(ctx, c.ContactID, c.Contact); err != nil {
			return 0, err
		}
	}
	if len(c.Company) > 0 {
		if err := tx.UpdateCompany(ctx, c.CompanyID, c.Company); err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
	}
	for _, sw := range c.Subscriptions {
		if err := tx.SetState(ctx, c.ContactID, sw.Type, sw.State); err != nil {
			return 0, err
		}
	}
	for _, r := range c.Consent {
		if err := tx.AppendConsent(ctx, r); err != nil {
			return 0, err
		}
	}
	if c.LinkConsent {
		if err := tx.LinkConsent(ctx, c.ConversationID, c.ContactID); err != nil {
			return 0, err
		}
	}
	return v, nil
}

// Covers is store.Committer's Covers for an adapter whose stores share
// one database: ours reports whether a store is that database's.
func Covers(st store.Stores, ours func(s any) bool) bool {
	return ours(st.Sessions) && ours(st.Contacts) && ours(st.Consent) &&
		(st.Companies == nil || ours(st.Companies)) && (st.Subscriptions == nil || ours(st.Subscriptions))
}
