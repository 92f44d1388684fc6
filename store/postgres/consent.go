package postgres

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/chatflow/chatflow/consent"
)

// ConsentRecords is the consent-record store, table
// chatflow.consent_records, append-only by a trigger (see the package
// documentation). Records are listed in the order they were appended; a
// record appended with no ID gets a random one ("consent-" and 26
// characters), which no caller's ID can have taken. Appending a record
// whose ID is stored does nothing; once a record is erased, its ID is
// forgotten with it.
//
// Get one from DB.ConsentRecords; the zero value is not usable.
// ConsentRecords is safe for concurrent use.
type ConsentRecords struct{ db *DB }

var _ consent.Records = (*ConsentRecords)(nil)

// ConsentRecords returns the consent-record store.
func (db *DB) ConsentRecords() *ConsentRecords { return &ConsentRecords{db} }

// Append stores r once per ID.
func (c *ConsentRecords) Append(ctx context.Context, r consent.Record) error {
	return appendConsent(ctx, c.db.pool, r)
}

// appendConsent is Append, through q.
func appendConsent(ctx context.Context, q execer, r consent.Record) error {
	if r.ID == "" {
		r.ID = "consent-" + rand.Text()
	}
	_, err := q.Exec(ctx, `
		INSERT INTO chatflow.consent_records (id, visitor_id, contact_id, kind, basis, subscription_type,
			text, text_hash, choice, at, chatflow_id, flow_version, action, conversation_id)
		VALUES ($1, $2, $3, $4, $5, $6,
			$7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (id) DO NOTHING`,
		r.ID, nullIfEmpty(r.VisitorID), nullIfEmpty(r.ContactID), string(r.Kind), string(r.Basis), r.SubscriptionType,
		r.Text, r.TextHash, string(r.Choice), r.Time, r.ChatflowID, r.FlowVersion, r.Action, r.ConversationID)
	if err != nil {
		return fmt.Errorf("postgres: appending consent record: %w", err)
	}
	return nil
}

// ForContact lists the contact's records, oldest first.
func (c *ConsentRecords) ForContact(ctx context.Context, contactID string) ([]consent.Record, error) {
	return c.list(ctx, "contact_id", contactID)
}

// ForVisitor lists the visitor's records, oldest first.
func (c *ConsentRecords) ForVisitor(ctx context.Context, visitorID string) ([]consent.Record, error) {
	return c.list(ctx, "visitor_id", visitorID)
}

// list returns the records whose column equals id, in order.
func (c *ConsentRecords) list(ctx context.Context, column, id string) ([]consent.Record, error) {
	if id == "" {
		return nil, nil
	}
	rows, err := c.db.pool.Query(ctx, `
		SELECT id, coalesce(visitor_id, ''), coalesce(contact_id, ''), kind, basis, subscription_type,
			text, text_hash, choice, at, chatflow_id, flow_version, action, conversation_id
		FROM chatflow.consent_records WHERE `+column+` = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: consent records: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (consent.Record, error) {
		var r consent.Record
		err := row.Scan(&r.ID, &r.VisitorID, &r.ContactID, &r.Kind, &r.Basis, &r.SubscriptionType,
			&r.Text, &r.TextHash, &r.Choice, &r.Time, &r.ChatflowID, &r.FlowVersion, &r.Action, &r.ConversationID)
		r.Time = r.Time.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: consent records: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// LinkContact sets the contact of the visitor's records that have none:
// the one UPDATE the table's guard allows.
func (c *ConsentRecords) LinkContact(ctx context.Context, visitorID, contactID string) error {
	return linkConsent(ctx, c.db.pool, visitorID, contactID)
}

// linkConsent is LinkContact, through q.
func linkConsent(ctx context.Context, q execer, visitorID, contactID string) error {
	if visitorID == "" || contactID == "" {
		return nil
	}
	_, err := q.Exec(ctx,
		"UPDATE chatflow.consent_records SET contact_id = $2 WHERE visitor_id = $1 AND contact_id IS NULL", visitorID, contactID)
	if err != nil {
		return fmt.Errorf("postgres: linking consent records of %q to contact %q: %w", visitorID, contactID, err)
	}
	return nil
}

// Erase deletes the records of the visitor and those of the contact, in a
// transaction that declares the erasure to the table's guard. Empty IDs
// match nothing.
func (c *ConsentRecords) Erase(ctx context.Context, visitorID, contactID string) error {
	if visitorID == "" && contactID == "" {
		return nil
	}
	err := pgx.BeginFunc(ctx, c.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL chatflow.erasure = 'on'"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM chatflow.consent_records WHERE visitor_id = $1 OR contact_id = $2",
			nullIfEmpty(visitorID), nullIfEmpty(contactID))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: erasing consent records: %w", err)
	}
	return nil
}
