package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/chatflow/chatflow/store"
)

// Subscriptions is the subscription-state store, table subscriptions.
// SetState is one upsert whose conflict clause refuses to opt in an
// opted-out contact without their explicit choice. It implements
// store.Forgetter and store.SubscriptionReader.
//
// Get one from DB.Subscriptions; the zero value is not usable.
// Subscriptions is safe for concurrent use.
type Subscriptions struct{ db *DB }

var (
	_ store.Subscriptions      = (*Subscriptions)(nil)
	_ store.Forgetter          = (*Subscriptions)(nil)
	_ store.SubscriptionReader = (*Subscriptions)(nil)
)

// Subscriptions returns the subscription-state store.
func (db *DB) Subscriptions() *Subscriptions { return &Subscriptions{db} }

// State returns the contact's state for a subscription type, or
// store.NotOptedInOrOut when it was never set.
func (s *Subscriptions) State(ctx context.Context, contactID, typ string) (store.SubscriptionState, error) {
	var st store.SubscriptionState
	err := s.db.r.QueryRowContext(ctx, "SELECT state FROM subscriptions WHERE contact_id = ? AND type = ?", contactID, typ).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return store.NotOptedInOrOut, nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: subscription state of %q: %w", contactID, err)
	}
	return st, nil
}

// SetState records a state. It returns an error matching
// store.ErrOptedOut, and changes nothing, when an opted-out contact would
// be opted in again by anything but their explicit choice.
func (s *Subscriptions) SetState(ctx context.Context, contactID, typ string, st store.SubscriptionState, explicit bool) error {
	return setState(ctx, s.db.w, contactID, typ, st, explicit)
}

// setState is SetState, through q.
func setState(ctx context.Context, q execer, contactID, typ string, st store.SubscriptionState, explicit bool) error {
	res, err := q.ExecContext(ctx, `
		INSERT INTO subscriptions (contact_id, type, state) VALUES (?, ?, ?)
		ON CONFLICT (contact_id, type) DO UPDATE SET state = excluded.state
		WHERE NOT (subscriptions.state = 'opted_out' AND excluded.state = 'opted_in' AND NOT ?)`,
		contactID, typ, string(st), explicit)
	if err != nil {
		return fmt.Errorf("sqlite: setting subscription state of %q: %w", contactID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: contact %s, subscription %q: only their explicit choice can opt them in again: %w",
			contactID, typ, store.ErrOptedOut)
	}
	return nil
}

// SubscriptionsOf returns the contact's recorded states by type.
func (s *Subscriptions) SubscriptionsOf(ctx context.Context, contactID string) (map[string]store.SubscriptionState, error) {
	out := map[string]store.SubscriptionState{}
	err := s.db.each(ctx, func(rows *sql.Rows) error {
		var (
			typ string
			st  store.SubscriptionState
		)
		err := rows.Scan(&typ, &st)
		out[typ] = st
		return err
	}, "SELECT type, state FROM subscriptions WHERE contact_id = ?", contactID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: subscriptions of %q: %w", contactID, err)
	}
	return out, nil
}

// Forget deletes every state of the contact.
func (s *Subscriptions) Forget(ctx context.Context, contactID string) error {
	return s.db.forget(ctx, "subscriptions", contactID)
}

// forget deletes the rows of a contact from a table.
func (db *DB) forget(ctx context.Context, table, contactID string) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM "+table+" WHERE contact_id = ?", contactID); err != nil {
		return fmt.Errorf("sqlite: forgetting contact %q in %s: %w", contactID, table, err)
	}
	return nil
}

// each runs a query on a reader and calls fn for every row.
func (db *DB) each(ctx context.Context, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// strings runs a query that returns one text column.
func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	err := db.each(ctx, func(rows *sql.Rows) error {
		var s string
		err := rows.Scan(&s)
		out = append(out, s)
		return err
	}, query, args...)
	return out, err
}

// join adds a contact to a group (a list or a workflow) that the exists
// query finds, once; it reports whether the group exists.
func (db *DB) join(ctx context.Context, exists, insert, groupID, contactID string) (bool, error) {
	var found bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, exists, groupID).Scan(&found); err != nil || !found {
			return err
		}
		_, err := tx.ExecContext(ctx, insert, groupID, contactID)
		return err
	})
	return found, err
}

// Lists is the static-list store, tables lists and list_members. A list
// must exist (CreateList) before contacts are added to it. It implements
// store.Forgetter and store.ListReader.
//
// Get one from DB.Lists; the zero value is not usable. Lists is safe for
// concurrent use.
type Lists struct{ db *DB }

var (
	_ store.Lists      = (*Lists)(nil)
	_ store.Forgetter  = (*Lists)(nil)
	_ store.ListReader = (*Lists)(nil)
)

// Lists returns the static-list store.
func (db *DB) Lists() *Lists { return &Lists{db} }

// CreateList creates an empty list; creating an existing list does
// nothing.
func (l *Lists) CreateList(ctx context.Context, id string) error {
	if _, err := l.db.w.ExecContext(ctx, "INSERT INTO lists (id) VALUES (?) ON CONFLICT DO NOTHING", id); err != nil {
		return fmt.Errorf("sqlite: creating list %q: %w", id, err)
	}
	return nil
}

// AddToList adds the contact to the list once. It returns an error
// matching store.ErrNotFound for an unknown list.
func (l *Lists) AddToList(ctx context.Context, listID, contactID string) error {
	found, err := l.db.join(ctx, "SELECT EXISTS (SELECT 1 FROM lists WHERE id = ?)",
		`INSERT INTO list_members (list_id, contact_id, seq)
		 VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM list_members WHERE list_id = ?1))
		 ON CONFLICT DO NOTHING`, listID, contactID)
	if err != nil {
		return fmt.Errorf("sqlite: adding contact %q to list %q: %w", contactID, listID, err)
	}
	if !found {
		return fmt.Errorf("sqlite: list %q: %w", listID, store.ErrNotFound)
	}
	return nil
}

// Members returns the list's members in the order they were added.
func (l *Lists) Members(ctx context.Context, listID string) ([]string, error) {
	out, err := l.db.strings(ctx, "SELECT contact_id FROM list_members WHERE list_id = ? ORDER BY seq", listID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: members of list %q: %w", listID, err)
	}
	return out, nil
}

// ListsOf returns the IDs of the lists the contact is a member of, sorted.
func (l *Lists) ListsOf(ctx context.Context, contactID string) ([]string, error) {
	out, err := l.db.strings(ctx, "SELECT list_id FROM list_members WHERE contact_id = ? ORDER BY list_id", contactID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lists of %q: %w", contactID, err)
	}
	return out, nil
}

// Forget removes the contact from every list.
func (l *Lists) Forget(ctx context.Context, contactID string) error {
	return l.db.forget(ctx, "list_members", contactID)
}

// Workflows is the workflow-enrollment store, tables workflows and
// enrollments. A workflow must exist and be active (CreateWorkflow) before
// contacts are enrolled. It implements store.Forgetter and
// store.WorkflowReader.
//
// Get one from DB.Workflows; the zero value is not usable. Workflows is
// safe for concurrent use.
type Workflows struct{ db *DB }

var (
	_ store.Workflows      = (*Workflows)(nil)
	_ store.Forgetter      = (*Workflows)(nil)
	_ store.WorkflowReader = (*Workflows)(nil)
)

// Workflows returns the workflow-enrollment store.
func (db *DB) Workflows() *Workflows { return &Workflows{db} }

// CreateWorkflow creates, re-activates or deactivates a workflow.
// Contacts already enrolled stay enrolled.
func (w *Workflows) CreateWorkflow(ctx context.Context, id string, active bool) error {
	_, err := w.db.w.ExecContext(ctx, "INSERT INTO workflows (id, active) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET active = excluded.active", id, active)
	if err != nil {
		return fmt.Errorf("sqlite: creating workflow %q: %w", id, err)
	}
	return nil
}

// Enroll enrolls the contact in an active workflow once. It returns an
// error matching store.ErrNotFound for an unknown or inactive workflow.
func (w *Workflows) Enroll(ctx context.Context, workflowID, contactID string) error {
	found, err := w.db.join(ctx, "SELECT EXISTS (SELECT 1 FROM workflows WHERE id = ? AND active)",
		"INSERT INTO enrollments (workflow_id, contact_id) VALUES (?, ?) ON CONFLICT DO NOTHING", workflowID, contactID)
	if err != nil {
		return fmt.Errorf("sqlite: enrolling contact %q in workflow %q: %w", contactID, workflowID, err)
	}
	if !found {
		return fmt.Errorf("sqlite: active workflow %q: %w", workflowID, store.ErrNotFound)
	}
	return nil
}

// EnrollmentsOf returns the IDs of the workflows the contact is enrolled
// in, sorted.
func (w *Workflows) EnrollmentsOf(ctx context.Context, contactID string) ([]string, error) {
	out, err := w.db.strings(ctx, "SELECT workflow_id FROM enrollments WHERE contact_id = ? ORDER BY workflow_id", contactID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: enrollments of %q: %w", contactID, err)
	}
	return out, nil
}

// Forget unenrolls the contact from every workflow.
func (w *Workflows) Forget(ctx context.Context, contactID string) error {
	return w.db.forget(ctx, "enrollments", contactID)
}

// Tickets is the ticket store, table tickets. IDs are "ticket-N", N never
// reused. A non-empty idempotency key is unique in the table and kept as
// long as its ticket. It implements store.Forgetter and store.TicketReader.
//
// Get one from DB.Tickets; the zero value is not usable. Tickets is safe
// for concurrent use.
type Tickets struct{ db *DB }

var (
	_ store.Tickets      = (*Tickets)(nil)
	_ store.Forgetter    = (*Tickets)(nil)
	_ store.TicketReader = (*Tickets)(nil)
)

// Tickets returns the ticket store.
func (db *DB) Tickets() *Tickets { return &Tickets{db} }

// CreateTicket creates a ticket and returns its ID, or returns the ID of
// the ticket created earlier with the same non-empty key.
func (s *Tickets) CreateTicket(ctx context.Context, key string, t store.Ticket) (string, error) {
	var seq int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if key != "" {
			err := tx.QueryRowContext(ctx, "SELECT seq FROM tickets WHERE idempotency_key = ?", key).Scan(&seq)
			if !errors.Is(err, sql.ErrNoRows) {
				return err // nil: the key's ticket exists
			}
		}
		return tx.QueryRowContext(ctx, `
			INSERT INTO tickets (idempotency_key, name, pipeline, status, priority, description, contact_id, conversation_id,
				owner_id, user_ids, team_ids)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			nullIfEmpty(key), t.Name, t.Pipeline, t.Status, string(t.Priority), t.Description, t.ContactID, t.ConversationID,
			t.OwnerID, jsonIDs(t.UserIDs), jsonIDs(t.TeamIDs)).Scan(&seq)
	})
	if err != nil {
		return "", fmt.Errorf("sqlite: creating ticket: %w", err)
	}
	return "ticket-" + strconv.FormatInt(seq, 10), nil
}

// TicketsOf returns the contact's tickets, oldest first.
func (s *Tickets) TicketsOf(ctx context.Context, contactID string) ([]store.StoredTicket, error) {
	var out []store.StoredTicket
	err := s.db.each(ctx, func(rows *sql.Rows) error {
		var (
			t            store.StoredTicket
			seq          int64
			users, teams string
		)
		err := rows.Scan(&seq, &t.Name, &t.Pipeline, &t.Status, &t.Priority, &t.Description, &t.ContactID, &t.ConversationID,
			&t.OwnerID, &users, &teams)
		if err == nil {
			err = errors.Join(json.Unmarshal([]byte(users), &t.UserIDs), json.Unmarshal([]byte(teams), &t.TeamIDs))
		}
		t.ID = "ticket-" + strconv.FormatInt(seq, 10)
		out = append(out, t)
		return err
	}, `SELECT seq, name, pipeline, status, priority, description, contact_id, conversation_id, owner_id, user_ids, team_ids
		FROM tickets WHERE contact_id = ? ORDER BY seq`, contactID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tickets of %q: %w", contactID, err)
	}
	return out, nil
}

// Forget deletes the contact's tickets, and their idempotency keys with
// them.
func (s *Tickets) Forget(ctx context.Context, contactID string) error {
	return s.db.forget(ctx, "tickets", contactID)
}

// jsonIDs encodes IDs as a JSON array; nil is null.
func jsonIDs(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// Meetings is the meeting-link store, table meeting_links, set up by the
// host with SetLink.
//
// Get one from DB.Meetings; the zero value is not usable. Meetings is safe
// for concurrent use.
type Meetings struct{ db *DB }

var _ store.Meetings = (*Meetings)(nil)

// Meetings returns the meeting-link store.
func (db *DB) Meetings() *Meetings { return &Meetings{db} }

// SetLink stores a link under id, replacing any link with that ID.
func (m *Meetings) SetLink(ctx context.Context, id string, l store.MeetingLink) error {
	fields, err := json.Marshal(l.CustomFields)
	if err == nil {
		_, err = m.db.w.ExecContext(ctx, `INSERT OR REPLACE INTO meeting_links
			(id, url, custom_fields, available_soon, captcha, privacy_consent) VALUES (?, ?, ?, ?, ?, ?)`,
			id, l.URL, string(fields), l.AvailableSoon, l.Captcha, l.PrivacyConsent)
	}
	if err != nil {
		return fmt.Errorf("sqlite: setting meeting link %q: %w", id, err)
	}
	return nil
}

// Link returns the link with the given ID, or an error matching
// store.ErrNotFound.
func (m *Meetings) Link(ctx context.Context, id string) (store.MeetingLink, error) {
	var (
		l      store.MeetingLink
		fields string
	)
	err := m.db.r.QueryRowContext(ctx, `SELECT url, custom_fields, available_soon, captcha, privacy_consent
		FROM meeting_links WHERE id = ?`, id).Scan(&l.URL, &fields, &l.AvailableSoon, &l.Captcha, &l.PrivacyConsent)
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("sqlite: meeting link %q: %w", id, store.ErrNotFound)
	}
	if err == nil {
		err = json.Unmarshal([]byte(fields), &l.CustomFields)
	}
	if err != nil {
		return l, fmt.Errorf("sqlite: meeting link %q: %w", id, err)
	}
	return l, nil
}
