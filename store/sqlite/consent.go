package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/consent"
)

// ConsentRecords is the consent-record store, table consent_records,
// append-only by triggers (see the package documentation). Records are
// listed in the order they were appended; a record appended with no ID
// gets a random one ("consent-" and 26 characters). Appending a record
// whose ID is stored does nothing; an erased record's ID is forgotten with
// it. Times are kept exactly, as RFC 3339 text in UTC.
//
// Get one from DB.ConsentRecords; the zero value is not usable.
// ConsentRecords is safe for concurrent use.
type ConsentRecords struct{ db *DB }

var _ consent.Records = (*ConsentRecords)(nil)

// ConsentRecords returns the consent-record store.
func (db *DB) ConsentRecords() *ConsentRecords { return &ConsentRecords{db} }

// nullIfEmpty returns nil for "", so that an empty ID is stored as NULL.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Append stores r once per ID.
func (c *ConsentRecords) Append(ctx context.Context, r consent.Record) error {
	return appendConsent(ctx, c.db.w, r)
}

// appendConsent is Append, through q.
func appendConsent(ctx context.Context, q execer, r consent.Record) error {
	if r.ID == "" {
		r.ID = "consent-" + rand.Text()
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO consent_records (id, visitor_id, contact_id, kind, basis, subscription_type,
			text, text_hash, choice, at, chatflow_id, flow_version, action, conversation_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		r.ID, nullIfEmpty(r.VisitorID), nullIfEmpty(r.ContactID), string(r.Kind), string(r.Basis), r.SubscriptionType,
		r.Text, r.TextHash, string(r.Choice), r.Time.UTC().Format(time.RFC3339Nano), r.ChatflowID, r.FlowVersion, r.Action, r.ConversationID)
	if err != nil {
		return fmt.Errorf("sqlite: appending consent record: %w", err)
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
	rows, err := c.db.r.QueryContext(ctx, `
		SELECT id, coalesce(visitor_id, ''), coalesce(contact_id, ''), kind, basis, subscription_type,
			text, text_hash, choice, at, chatflow_id, flow_version, action, conversation_id
		FROM consent_records WHERE `+column+` = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent records: %w", err)
	}
	defer rows.Close()
	var out []consent.Record
	for rows.Next() {
		var (
			r  consent.Record
			at string
		)
		if err := rows.Scan(&r.ID, &r.VisitorID, &r.ContactID, &r.Kind, &r.Basis, &r.SubscriptionType,
			&r.Text, &r.TextHash, &r.Choice, &at, &r.ChatflowID, &r.FlowVersion, &r.Action, &r.ConversationID); err != nil {
			return nil, fmt.Errorf("sqlite: consent records: %w", err)
		}
		if r.Time, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, fmt.Errorf("sqlite: consent record %q: %w", r.ID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: consent records: %w", err)
	}
	return out, nil
}

// LinkContact sets the contact of the visitor's records that have none:
// the one UPDATE the table's triggers allow.
func (c *ConsentRecords) LinkContact(ctx context.Context, visitorID, contactID string) error {
	return linkConsent(ctx, c.db.w, visitorID, contactID)
}

// linkConsent is LinkContact, through q.
func linkConsent(ctx context.Context, q execer, visitorID, contactID string) error {
	if visitorID == "" || contactID == "" {
		return nil
	}
	_, err := q.ExecContext(ctx, "UPDATE consent_records SET contact_id = ? WHERE visitor_id = ? AND contact_id IS NULL", contactID, visitorID)
	if err != nil {
		return fmt.Errorf("sqlite: linking consent records of %q to contact %q: %w", visitorID, contactID, err)
	}
	return nil
}

// Erase deletes the records of the visitor and those of the contact, in a
// transaction that declares the erasure to the table's trigger. Empty IDs
// match nothing.
func (c *ConsentRecords) Erase(ctx context.Context, visitorID, contactID string) error {
	if visitorID == "" && contactID == "" {
		return nil
	}
	err := c.db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO consent_erasure VALUES (1)"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM consent_records WHERE visitor_id = ? OR contact_id = ?",
			nullIfEmpty(visitorID), nullIfEmpty(contactID)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM consent_erasure")
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: erasing consent records: %w", err)
	}
	return nil
}
