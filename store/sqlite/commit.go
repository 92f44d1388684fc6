package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/internal/txcommit"
)

// execer runs a statement: the writing connection, or a transaction on it.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

var _ store.Committer = (*Sessions)(nil)

// Covers reports whether the stores of st that Commit writes to are this
// database's (see store.Committer).
func (s *Sessions) Covers(st store.Stores) bool { return txcommit.Covers(st, s.db.owns) }

// owns reports whether v is one of the database's stores that Commit
// writes to.
func (db *DB) owns(v any) bool {
	switch x := v.(type) {
	case *Sessions:
		return x.db == db
	case *Contacts:
		return x.db == db
	case *ConsentRecords:
		return x.db == db
	case *Subscriptions:
		return x.db == db
	}
	return false
}

// Commit saves the session and applies the writes in one transaction (see
// store.Committer): one commit, and so one wait for the disk, where the
// steps without it make several.
func (s *Sessions) Commit(ctx context.Context, c store.Commit) (int64, error) {
	var version int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		v, err := txcommit.Apply(ctx, txOps{tx}, c)
		version = v
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: committing session %q: %w", c.ConversationID, err)
	}
	return version, nil
}

// txOps runs the stores' statements through a transaction, for
// txcommit.Apply.
type txOps struct{ q execer }

// SaveSession runs the session save of SaveIdle.
func (o txOps) SaveSession(ctx context.Context, id string, data []byte, expected int64, idleAt time.Time) (int64, error) {
	return saveSession(ctx, o.q, id, data, expected, idleAt)
}

// UpdateContact runs the contacts store's UpdateContact.
func (o txOps) UpdateContact(ctx context.Context, id string, p store.Properties) error {
	return updateContact(ctx, o.q, id, p)
}

// UpdateCompany runs the contacts store's UpdateCompany.
func (o txOps) UpdateCompany(ctx context.Context, id string, p store.Properties) error {
	return updateCompany(ctx, o.q, id, p)
}

// SetState runs Subscriptions.SetState, as the contact's explicit choice.
func (o txOps) SetState(ctx context.Context, contactID, typ string, st store.SubscriptionState) error {
	return setState(ctx, o.q, contactID, typ, st, true)
}

// AppendConsent runs the consent store's Append.
func (o txOps) AppendConsent(ctx context.Context, r consent.Record) error {
	return appendConsent(ctx, o.q, r)
}

// LinkConsent runs the consent store's LinkContact.
func (o txOps) LinkConsent(ctx context.Context, visitorID, contactID string) error {
	return linkConsent(ctx, o.q, visitorID, contactID)
}
