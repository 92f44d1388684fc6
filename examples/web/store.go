package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	_ "modernc.org/sqlite" // the driver store/sqlite uses too
)

// errNotFound reports a conversation the web store does not have.
var errNotFound = errors.New("web: conversation not found")

// Senders of transcript entries.
const (
	fromBot     = "bot"
	fromVisitor = "visitor"
	fromAgent   = "agent"
	fromNote    = "note" // a line from the widget itself, such as "the bot is done"
)

// entry is one line of a conversation's transcript as the widget and the
// agent console show it. The engine keeps no transcript — a session holds
// where the bot stands, not what was said — so the host keeps its own.
type entry struct {
	Seq     int64  `json:"seq"`
	From    string `json:"from"`
	Text    string `json:"text,omitempty"`
	Type    string `json:"type,omitempty"` // a bot bubble's type: text, image, file, video, meeting
	URL     string `json:"url,omitempty"`
	Name    string `json:"name,omitempty"`
	DelayMS int64  `json:"delayMs,omitempty"`
	// Error marks the bot's answer to a rejected answer (validation).
	Error bool      `json:"error,omitempty"`
	Time  time.Time `json:"time"`
}

// prompt is what the visitor may do next, from the latest reply: kept so
// that a reload or a restart shows the same quick replies and composer.
type prompt struct {
	QuickReplies []action.QuickReply `json:"quickReplies,omitempty"`
	FreeText     bool                `json:"freeText"`
	Status       engine.Status       `json:"status"`
	Handoff      *action.Handoff     `json:"handoff,omitempty"`
}

// conversation is the web store's record of a conversation: whose browser
// it belongs to and what the visitor may do next.
type conversation struct {
	ID     string
	Owner  string // SHA-256 of the visitor cookie, hex
	FlowID string
	Page   string
	Prompt prompt
	// Updated is when the transcript last grew.
	Updated time.Time
}

// summary is a handed-off conversation as the agent console lists it.
type summary struct {
	ID      string    `json:"id"`
	FlowID  string    `json:"flowId"`
	Page    string    `json:"page"`
	Last    string    `json:"last"`
	Waiting bool      `json:"waiting"` // the visitor wrote after the last agent reply
	Updated time.Time `json:"updated"`
}

// webStore keeps the example's own data — conversations' owners,
// transcripts and agent replies — in tables of its own (web_…) in the same
// SQLite file as the chatflow stores. It has one connection, so writes are
// serialized and a transcript's sequence numbers never collide.
type webStore struct {
	db *sql.DB
}

const webSchema = `
CREATE TABLE IF NOT EXISTS web_conversations (
	id         TEXT PRIMARY KEY,
	owner      TEXT NOT NULL,
	flow_id    TEXT NOT NULL,
	page       TEXT NOT NULL DEFAULT '',
	prompt     TEXT NOT NULL DEFAULT '{}',
	status     TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS web_conversations_owner ON web_conversations (owner, flow_id, created_at);
CREATE INDEX IF NOT EXISTS web_conversations_status ON web_conversations (status, updated_at);
CREATE TABLE IF NOT EXISTS web_messages (
	conversation_id TEXT NOT NULL REFERENCES web_conversations (id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	message_id      TEXT,
	sender          TEXT NOT NULL,
	body            TEXT NOT NULL,
	PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS web_messages_id ON web_messages (conversation_id, message_id) WHERE message_id IS NOT NULL;
`

// openWebStore opens the web tables in the SQLite file at path, creating
// them if need be.
func openWebStore(ctx context.Context, path string) (*webStore, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("web store: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, webSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("web store: create tables: %w", err)
	}
	return &webStore{db: db}, nil
}

func (s *webStore) Close() error { return s.db.Close() }

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// Create records a new conversation with its first entries.
func (s *webStore) Create(ctx context.Context, c conversation, entries []entry) error {
	p, err := json.Marshal(c.Prompt)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("web store: %w", err)
	}
	defer tx.Rollback()
	t := now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO web_conversations (id, owner, flow_id, page, prompt, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Owner, c.FlowID, c.Page, string(p), string(c.Prompt.Status), t, t); err != nil {
		return fmt.Errorf("web store: create conversation: %w", err)
	}
	if err := appendTx(ctx, tx, c.ID, "", entries); err != nil {
		return err
	}
	return tx.Commit()
}

// Record appends a turn to a conversation: the visitor's message (its
// message ID makes a retry a no-op, reported as false), the bot's answer,
// and the new prompt when p is not nil.
func (s *webStore) Record(ctx context.Context, id, messageID string, entries []entry, p *prompt) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("web store: %w", err)
	}
	defer tx.Rollback()
	if messageID != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM web_messages WHERE conversation_id = ? AND message_id = ?`, id, messageID).Scan(&n); err != nil {
			return false, fmt.Errorf("web store: %w", err)
		}
		if n > 0 {
			return false, nil
		}
	}
	if err := appendTx(ctx, tx, id, messageID, entries); err != nil {
		return false, err
	}
	if p != nil {
		b, err := json.Marshal(p)
		if err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE web_conversations SET prompt = ?, status = ?, updated_at = ? WHERE id = ?`, string(b), string(p.Status), now(), id); err != nil {
			return false, fmt.Errorf("web store: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, `UPDATE web_conversations SET updated_at = ? WHERE id = ?`, now(), id); err != nil {
		return false, fmt.Errorf("web store: %w", err)
	}
	return true, tx.Commit()
}

// appendTx appends entries after the conversation's last; the first takes
// the message ID.
func appendTx(ctx context.Context, tx *sql.Tx, id, messageID string, entries []entry) error {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM web_messages WHERE conversation_id = ?`, id).Scan(&last); err != nil {
		return fmt.Errorf("web store: %w", err)
	}
	for i, e := range entries {
		e.Seq = last + int64(i) + 1
		if e.Time.IsZero() {
			e.Time = time.Now().UTC()
		}
		body, err := json.Marshal(e)
		if err != nil {
			return err
		}
		var mid any
		if i == 0 && messageID != "" {
			mid = messageID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO web_messages (conversation_id, seq, message_id, sender, body) VALUES (?, ?, ?, ?, ?)`,
			id, e.Seq, mid, e.From, string(body)); err != nil {
			return fmt.Errorf("web store: append: %w", err)
		}
	}
	return nil
}

// Conversation returns a conversation, or an error matching errNotFound.
func (s *webStore) Conversation(ctx context.Context, id string) (conversation, error) {
	return s.scanOne(s.db.QueryRowContext(ctx, `SELECT id, owner, flow_id, page, prompt, updated_at FROM web_conversations WHERE id = ?`, id))
}

// Latest returns the owner's most recent conversation with the flow, or an
// error matching errNotFound.
func (s *webStore) Latest(ctx context.Context, owner, flowID string) (conversation, error) {
	return s.scanOne(s.db.QueryRowContext(ctx, `SELECT id, owner, flow_id, page, prompt, updated_at FROM web_conversations
		WHERE owner = ? AND flow_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`, owner, flowID))
}

// LatestAny returns the owner's most recent conversation with any flow.
func (s *webStore) LatestAny(ctx context.Context, owner string) (conversation, error) {
	return s.scanOne(s.db.QueryRowContext(ctx, `SELECT id, owner, flow_id, page, prompt, updated_at FROM web_conversations
		WHERE owner = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`, owner))
}

func (s *webStore) scanOne(row *sql.Row) (conversation, error) {
	var c conversation
	var p, updated string
	switch err := row.Scan(&c.ID, &c.Owner, &c.FlowID, &c.Page, &p, &updated); {
	case errors.Is(err, sql.ErrNoRows):
		return c, errNotFound
	case err != nil:
		return c, fmt.Errorf("web store: %w", err)
	}
	if err := json.Unmarshal([]byte(p), &c.Prompt); err != nil {
		return c, fmt.Errorf("web store: prompt of %s: %w", c.ID, err)
	}
	c.Updated, _ = time.Parse(time.RFC3339Nano, updated)
	return c, nil
}

// maxEntries bounds one read of a transcript.
const maxEntries = 500

// Entries returns the transcript after seq, oldest first, at most
// maxEntries.
func (s *webStore) Entries(ctx context.Context, id string, after int64) ([]entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM web_messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`, id, after, maxEntries)
	if err != nil {
		return nil, fmt.Errorf("web store: %w", err)
	}
	defer rows.Close()
	out := []entry{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("web store: %w", err)
		}
		var e entry
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, fmt.Errorf("web store: entry of %s: %w", id, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// HandedOff lists the conversations handed to people, latest first.
func (s *webStore) HandedOff(ctx context.Context) ([]summary, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT c.id, c.flow_id, c.page, c.updated_at,
			coalesce((SELECT body FROM web_messages m WHERE m.conversation_id = c.id ORDER BY seq DESC LIMIT 1), '{}'),
			coalesce((SELECT sender FROM web_messages m WHERE m.conversation_id = c.id AND sender IN ('visitor', 'agent') ORDER BY seq DESC LIMIT 1), '')
		FROM web_conversations c WHERE c.status = ? ORDER BY c.updated_at DESC LIMIT 200`, string(engine.StatusHandedOff))
	if err != nil {
		return nil, fmt.Errorf("web store: %w", err)
	}
	defer rows.Close()
	out := []summary{}
	for rows.Next() {
		var sm summary
		var updated, body, lastSender string
		if err := rows.Scan(&sm.ID, &sm.FlowID, &sm.Page, &updated, &body, &lastSender); err != nil {
			return nil, fmt.Errorf("web store: %w", err)
		}
		var e entry
		_ = json.Unmarshal([]byte(body), &e) // a summary without its last line is still useful
		sm.Last = e.Text
		sm.Waiting = lastSender != fromAgent
		sm.Updated, _ = time.Parse(time.RFC3339Nano, updated)
		out = append(out, sm)
	}
	return out, rows.Err()
}
