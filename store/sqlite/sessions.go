package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/store"
)

// Sessions is the session store, table sessions. Save is one statement
// on the writing connection, so the version check and the write are one
// step. Versions start at 1, and again at 1 after Delete (see
// store.Sessions.Delete). It implements store.IdleSessions with the column
// idle_at (Unix milliseconds) and a partial index on it (migration 2).
//
// Get one from DB.Sessions; the zero value is not usable. Sessions is safe
// for concurrent use.
type Sessions struct{ db *DB }

var (
	_ store.Sessions     = (*Sessions)(nil)
	_ store.IdleSessions = (*Sessions)(nil)
)

// Sessions returns the session store.
func (db *DB) Sessions() *Sessions { return &Sessions{db} }

// Load returns the conversation's session, or an error matching
// store.ErrNotFound.
func (s *Sessions) Load(ctx context.Context, conversationID string) (store.SessionRecord, error) {
	var rec store.SessionRecord
	err := s.db.r.QueryRowContext(ctx, "SELECT data, version FROM sessions WHERE id = ?", conversationID).Scan(&rec.Data, &rec.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("sqlite: session %q: %w", conversationID, store.ErrNotFound)
	}
	if err != nil {
		return rec, fmt.Errorf("sqlite: loading session %q: %w", conversationID, err)
	}
	return rec, nil
}

// Save stores data if the stored version equals expectedVersion (0: no
// session stored) and returns the new version; otherwise it stores nothing
// and returns an error matching store.ErrConflict.
func (s *Sessions) Save(ctx context.Context, conversationID string, data []byte, expectedVersion int64) (int64, error) {
	return s.SaveIdle(ctx, conversationID, data, expectedVersion, time.Time{})
}

// SaveIdle is Save that also records from when the session counts as idle
// (the zero time: never), for Idle.
func (s *Sessions) SaveIdle(ctx context.Context, conversationID string, data []byte, expectedVersion int64, idleAt time.Time) (int64, error) {
	return saveSession(ctx, s.db.w, conversationID, data, expectedVersion, idleAt)
}

// saveSession is SaveIdle, through q: the writing connection or a
// transaction on it.
func saveSession(ctx context.Context, q execer, conversationID string, data []byte, expectedVersion int64, idleAt time.Time) (int64, error) {
	var idle any // NULL for the zero time
	if !idleAt.IsZero() {
		idle = idleAt.UnixMilli()
	}
	if data == nil {
		data = []byte{}
	}
	var res sql.Result
	var err error
	switch {
	case expectedVersion == 0:
		res, err = q.ExecContext(ctx, "INSERT INTO sessions (id, data, version, idle_at) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING", conversationID, data, idle)
	case expectedVersion > 0:
		res, err = q.ExecContext(ctx, "UPDATE sessions SET data = ?, version = version + 1, idle_at = ? WHERE id = ? AND version = ?",
			data, idle, conversationID, expectedVersion)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: saving session %q: %w", conversationID, err)
	}
	if res != nil {
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			return expectedVersion + 1, nil
		}
	}
	return 0, fmt.Errorf("sqlite: saving session %q at version %d: %w", conversationID, expectedVersion, store.ErrConflict)
}

// Delete removes the conversation's session; a missing one is not an
// error.
func (s *Sessions) Delete(ctx context.Context, conversationID string) error {
	if _, err := s.db.w.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", conversationID); err != nil {
		return fmt.Errorf("sqlite: deleting session %q: %w", conversationID, err)
	}
	return nil
}

// Idle returns the IDs of at most limit conversations whose idle time is
// set and before before, earliest first.
func (s *Sessions) Idle(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if limit < 1 {
		return nil, nil
	}
	rows, err := s.db.r.QueryContext(ctx, "SELECT id FROM sessions WHERE idle_at < ? ORDER BY idle_at LIMIT ?", before.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding idle sessions: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: finding idle sessions: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: finding idle sessions: %w", err)
	}
	return ids, nil
}
