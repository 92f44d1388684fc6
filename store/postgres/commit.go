package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chatflow/chatflow/store"
)

// execer runs a statement: the pool, or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

var _ store.Committer = (*Sessions)(nil)

// Covers reports whether the stores of st that Commit writes to are this
// database's (see store.Committer).
func (s *Sessions) Covers(st store.Stores) bool {
	same := func(v any, optional bool) bool {
		switch x := v.(type) {
		case nil:
			return optional
		case *Sessions:
			return x.db == s.db
		case *Contacts:
			return x.db == s.db
		case *ConsentRecords:
			return x.db == s.db
		case *Subscriptions:
			return x.db == s.db
		}
		return false
	}
	return same(st.Sessions, false) && same(st.Contacts, false) && same(st.Consent, false) &&
		same(st.Companies, true) && same(st.Subscriptions, true)
}

// Commit saves the session and applies the writes in one transaction (see
// store.Committer): one commit, and so one wait for the disk, where the
// steps without it make several.
func (s *Sessions) Commit(ctx context.Context, c store.Commit) (int64, error) {
	var version int64
	err := pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		v, err := saveSession(ctx, tx, c.ConversationID, c.Data, c.ExpectedVersion, c.IdleAt)
		if err != nil {
			return err
		}
		version = v
		if len(c.Contact) > 0 {
			if err := updateContact(ctx, tx, c.ContactID, c.Contact); err != nil {
				return err
			}
		}
		if len(c.Company) > 0 {
			if err := updateCompany(ctx, tx, c.CompanyID, c.Company); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		for _, sw := range c.Subscriptions {
			if err := setState(ctx, tx, c.ContactID, sw.Type, sw.State, true); err != nil {
				return err
			}
		}
		for _, r := range c.Consent {
			if err := appendConsent(ctx, tx, r); err != nil {
				return err
			}
		}
		if c.LinkConsent {
			return linkConsent(ctx, tx, c.ConversationID, c.ContactID)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: committing session %q: %w", c.ConversationID, err)
	}
	return version, nil
}
