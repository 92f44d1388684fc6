package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/chatflow/chatflow/store"
)

// Subscriptions is the subscription-state store, table
// chatflow.subscriptions. SetState is one statement whose ON CONFLICT
// clause refuses to opt in an opted-out contact without their explicit
// choice, so the check cannot race with another write. It implements
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
	err := s.db.pool.QueryRow(ctx, "SELECT state FROM chatflow.subscriptions WHERE contact_id = $1 AND type = $2",
		contactID, typ).Scan(&st)
	if noRows(err) {
		return store.NotOptedInOrOut, nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: subscription state of %q: %w", contactID, err)
	}
	return st, nil
}

// SetState records a state. It returns an error matching
// store.ErrOptedOut, and changes nothing, when an opted-out contact would
// be opted in again by anything but their explicit choice.
func (s *Subscriptions) SetState(ctx context.Context, contactID, typ string, st store.SubscriptionState, explicit bool) error {
	return setState(ctx, s.db.pool, contactID, typ, st, explicit)
}

// setState is SetState, through q.
func setState(ctx context.Context, q execer, contactID, typ string, st store.SubscriptionState, explicit bool) error {
	tag, err := q.Exec(ctx, `
		INSERT INTO chatflow.subscriptions (contact_id, type, state) VALUES ($1, $2, $3)
		ON CONFLICT (contact_id, type) DO UPDATE SET state = excluded.state, updated_at = now()
		WHERE NOT (subscriptions.state = 'opted_out' AND excluded.state = 'opted_in' AND NOT $4)`,
		contactID, typ, string(st), explicit)
	if err != nil {
		return fmt.Errorf("postgres: setting subscription state of %q: %w", contactID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: contact %s, subscription %q: only their explicit choice can opt them in again: %w",
			contactID, typ, store.ErrOptedOut)
	}
	return nil
}

// SubscriptionsOf returns the contact's recorded states by type.
func (s *Subscriptions) SubscriptionsOf(ctx context.Context, contactID string) (map[string]store.SubscriptionState, error) {
	rows, err := s.db.pool.Query(ctx, "SELECT type, state FROM chatflow.subscriptions WHERE contact_id = $1", contactID)
	if err != nil {
		return nil, fmt.Errorf("postgres: subscriptions of %q: %w", contactID, err)
	}
	out := map[string]store.SubscriptionState{}
	var (
		typ string
		st  store.SubscriptionState
	)
	_, err = pgx.ForEachRow(rows, []any{&typ, &st}, func() error {
		out[typ] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: subscriptions of %q: %w", contactID, err)
	}
	return out, nil
}

// Forget deletes every state of the contact.
func (s *Subscriptions) Forget(ctx context.Context, contactID string) error {
	return forget(ctx, s.db, "subscriptions", contactID)
}

// forget deletes the rows of a contact from a table.
func forget(ctx context.Context, db *DB, table, contactID string) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM chatflow."+table+" WHERE contact_id = $1", contactID); err != nil {
		return fmt.Errorf("postgres: forgetting contact %q in %s: %w", contactID, table, err)
	}
	return nil
}

// ids runs a query that returns one text column.
func ids(ctx context.Context, db *DB, sql string, args ...any) ([]string, error) {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Lists is the static-list store, tables chatflow.lists and
// chatflow.list_members. A list must exist (CreateList) before contacts
// are added to it. It implements store.Forgetter and store.ListReader.
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
	if _, err := l.db.pool.Exec(ctx, "INSERT INTO chatflow.lists (id) VALUES ($1) ON CONFLICT DO NOTHING", id); err != nil {
		return fmt.Errorf("postgres: creating list %q: %w", id, err)
	}
	return nil
}

// AddToList adds the contact to the list once. It returns an error
// matching store.ErrNotFound for an unknown list.
func (l *Lists) AddToList(ctx context.Context, listID, contactID string) error {
	_, err := l.db.pool.Exec(ctx,
		"INSERT INTO chatflow.list_members (list_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", listID, contactID)
	if isCode(err, foreignKeyViolation) {
		return fmt.Errorf("postgres: list %q: %w", listID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: adding contact %q to list %q: %w", contactID, listID, err)
	}
	return nil
}

// Members returns the list's members, oldest first (by the time of the
// transaction that added them, then by ID).
func (l *Lists) Members(ctx context.Context, listID string) ([]string, error) {
	out, err := ids(ctx, l.db, "SELECT contact_id FROM chatflow.list_members WHERE list_id = $1 ORDER BY added_at, contact_id", listID)
	if err != nil {
		return nil, fmt.Errorf("postgres: members of list %q: %w", listID, err)
	}
	return out, nil
}

// ListsOf returns the IDs of the lists the contact is a member of, sorted.
func (l *Lists) ListsOf(ctx context.Context, contactID string) ([]string, error) {
	out, err := ids(ctx, l.db, "SELECT list_id FROM chatflow.list_members WHERE contact_id = $1 ORDER BY list_id", contactID)
	if err != nil {
		return nil, fmt.Errorf("postgres: lists of %q: %w", contactID, err)
	}
	return out, nil
}

// Forget removes the contact from every list.
func (l *Lists) Forget(ctx context.Context, contactID string) error {
	return forget(ctx, l.db, "list_members", contactID)
}

// Workflows is the workflow-enrollment store, tables chatflow.workflows
// and chatflow.enrollments. A workflow must exist and be active
// (CreateWorkflow) before contacts are enrolled. It implements
// store.Forgetter and store.WorkflowReader.
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
	_, err := w.db.pool.Exec(ctx, `INSERT INTO chatflow.workflows (id, active) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET active = excluded.active`, id, active)
	if err != nil {
		return fmt.Errorf("postgres: creating workflow %q: %w", id, err)
	}
	return nil
}

// Enroll enrolls the contact in an active workflow once. It returns an
// error matching store.ErrNotFound for an unknown or inactive workflow.
func (w *Workflows) Enroll(ctx context.Context, workflowID, contactID string) error {
	// One statement: the insert happens only for an active workflow, and
	// the select reports whether the workflow is one.
	var active bool
	err := w.db.pool.QueryRow(ctx, `
		WITH wf AS (SELECT id FROM chatflow.workflows WHERE id = $1 AND active),
		ins AS (INSERT INTO chatflow.enrollments (workflow_id, contact_id) SELECT id, $2 FROM wf ON CONFLICT DO NOTHING)
		SELECT EXISTS (SELECT 1 FROM wf)`, workflowID, contactID).Scan(&active)
	if err != nil {
		return fmt.Errorf("postgres: enrolling contact %q in workflow %q: %w", contactID, workflowID, err)
	}
	if !active {
		return fmt.Errorf("postgres: active workflow %q: %w", workflowID, store.ErrNotFound)
	}
	return nil
}

// EnrollmentsOf returns the IDs of the workflows the contact is enrolled
// in, sorted.
func (w *Workflows) EnrollmentsOf(ctx context.Context, contactID string) ([]string, error) {
	out, err := ids(ctx, w.db, "SELECT workflow_id FROM chatflow.enrollments WHERE contact_id = $1 ORDER BY workflow_id", contactID)
	if err != nil {
		return nil, fmt.Errorf("postgres: enrollments of %q: %w", contactID, err)
	}
	return out, nil
}

// Forget unenrolls the contact from every workflow.
func (w *Workflows) Forget(ctx context.Context, contactID string) error {
	return forget(ctx, w.db, "enrollments", contactID)
}

// Tickets is the ticket store, table chatflow.tickets. IDs are "ticket-1",
// "ticket-2", … from a sequence. A non-empty idempotency key is unique in
// the table, so concurrent calls with one key create one ticket; the key
// is kept as long as its ticket. It implements store.Forgetter and
// store.TicketReader.
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
	var id string
	err := s.db.pool.QueryRow(ctx, `
		INSERT INTO chatflow.tickets (id, seq, idempotency_key, name, pipeline, status, priority, description, contact_id, conversation_id,
			owner_id, user_ids, team_ids)
		SELECT 'ticket-' || n, n, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM nextval('chatflow.ticket_seq') AS n
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id`,
		nullIfEmpty(key), t.Name, t.Pipeline, t.Status, string(t.Priority), t.Description, t.ContactID, t.ConversationID,
		t.OwnerID, nonNil(t.UserIDs), nonNil(t.TeamIDs)).Scan(&id)
	if noRows(err) {
		// The key is taken: by now its ticket is committed (the insert
		// waited for it), so this statement sees it.
		err = s.db.pool.QueryRow(ctx, "SELECT id FROM chatflow.tickets WHERE idempotency_key = $1", key).Scan(&id)
	}
	if err != nil {
		return "", fmt.Errorf("postgres: creating ticket: %w", err)
	}
	return id, nil
}

// TicketsOf returns the contact's tickets, oldest first.
func (s *Tickets) TicketsOf(ctx context.Context, contactID string) ([]store.StoredTicket, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT id, name, pipeline, status, priority, description, contact_id, conversation_id, owner_id, user_ids, team_ids
		FROM chatflow.tickets WHERE contact_id = $1 ORDER BY seq`, contactID)
	if err != nil {
		return nil, fmt.Errorf("postgres: tickets of %q: %w", contactID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.StoredTicket, error) {
		var t store.StoredTicket
		err := row.Scan(&t.ID, &t.Name, &t.Pipeline, &t.Status, &t.Priority, &t.Description, &t.ContactID, &t.ConversationID,
			&t.OwnerID, &t.UserIDs, &t.TeamIDs)
		if len(t.UserIDs) == 0 {
			t.UserIDs = nil
		}
		if len(t.TeamIDs) == 0 {
			t.TeamIDs = nil
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: tickets of %q: %w", contactID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// Forget deletes the contact's tickets, and their idempotency keys with
// them.
func (s *Tickets) Forget(ctx context.Context, contactID string) error {
	return forget(ctx, s.db, "tickets", contactID)
}

// nonNil returns ids, or an empty slice for nil (the array columns are NOT
// NULL).
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// Meetings is the meeting-link store, table chatflow.meeting_links, set up
// by the host with SetLink.
//
// Get one from DB.Meetings; the zero value is not usable. Meetings is safe
// for concurrent use.
type Meetings struct{ db *DB }

var _ store.Meetings = (*Meetings)(nil)

// Meetings returns the meeting-link store.
func (db *DB) Meetings() *Meetings { return &Meetings{db} }

// SetLink stores a link under id, replacing any link with that ID.
func (m *Meetings) SetLink(ctx context.Context, id string, l store.MeetingLink) error {
	fields := l.CustomFields
	if fields == nil {
		fields = []string{}
	}
	_, err := m.db.pool.Exec(ctx, `
		INSERT INTO chatflow.meeting_links (id, url, custom_fields, available_soon, captcha, privacy_consent)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET url = excluded.url, custom_fields = excluded.custom_fields,
			available_soon = excluded.available_soon, captcha = excluded.captcha, privacy_consent = excluded.privacy_consent`,
		id, l.URL, fields, l.AvailableSoon, l.Captcha, l.PrivacyConsent)
	if err != nil {
		return fmt.Errorf("postgres: setting meeting link %q: %w", id, err)
	}
	return nil
}

// Link returns the link with the given ID, or an error matching
// store.ErrNotFound.
func (m *Meetings) Link(ctx context.Context, id string) (store.MeetingLink, error) {
	var l store.MeetingLink
	err := m.db.pool.QueryRow(ctx, `SELECT url, custom_fields, available_soon, captcha, privacy_consent
		FROM chatflow.meeting_links WHERE id = $1`, id).Scan(&l.URL, &l.CustomFields, &l.AvailableSoon, &l.Captcha, &l.PrivacyConsent)
	if noRows(err) {
		return l, fmt.Errorf("postgres: meeting link %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("postgres: meeting link %q: %w", id, err)
	}
	if len(l.CustomFields) == 0 {
		l.CustomFields = nil
	}
	return l, nil
}
