package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/store"
)

// Sessions is the session store, table chatflow.sessions. Save is one
// statement — an INSERT … ON CONFLICT DO NOTHING for a new session, an
// UPDATE … WHERE version = expected otherwise — so the version check and
// the write are atomic. Versions start at 1; after Delete, numbering starts
// again at 1 (see store.Sessions.Delete for the rule that makes this safe).
// It implements store.IdleSessions with the column idle_at and a partial
// index on it (migration 2).
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
	err := s.db.pool.QueryRow(ctx, "SELECT data, version FROM chatflow.sessions WHERE id = $1", conversationID).
		Scan(&rec.Data, &rec.Version)
	if noRows(err) {
		return rec, fmt.Errorf("postgres: session %q: %w", conversationID, store.ErrNotFound)
	}
	if err != nil {
		return rec, fmt.Errorf("postgres: loading session %q: %w", conversationID, err)
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
	return saveSession(ctx, s.db.pool, conversationID, data, expectedVersion, idleAt)
}

// saveSession is SaveIdle, through q: the pool or a transaction.
func saveSession(ctx context.Context, q execer, conversationID string, data []byte, expectedVersion int64, idleAt time.Time) (int64, error) {
	var idle any // NULL for the zero time
	if !idleAt.IsZero() {
		idle = idleAt
	}
	if data == nil {
		data = []byte{} // the column is NOT NULL; nil and empty read back alike
	}
	var (
		sql  string
		args []any
	)
	switch {
	case expectedVersion == 0:
		sql = `INSERT INTO chatflow.sessions (id, data, version, idle_at) VALUES ($1, $2, 1, $3) ON CONFLICT (id) DO NOTHING`
		args = []any{conversationID, data, idle}
	case expectedVersion > 0:
		sql = `UPDATE chatflow.sessions SET data = $2, version = version + 1, updated_at = now(), idle_at = $4 WHERE id = $1 AND version = $3`
		args = []any{conversationID, data, expectedVersion, idle}
	}
	if sql != "" {
		tag, err := q.Exec(ctx, sql, args...)
		if err != nil {
			return 0, fmt.Errorf("postgres: saving session %q: %w", conversationID, err)
		}
		if tag.RowsAffected() == 1 {
			return expectedVersion + 1, nil
		}
	}
	return 0, fmt.Errorf("postgres: saving session %q at version %d: %w", conversationID, expectedVersion, store.ErrConflict)
}

// Delete removes the conversation's session; a missing one is not an
// error.
func (s *Sessions) Delete(ctx context.Context, conversationID string) error {
	if _, err := s.db.pool.Exec(ctx, "DELETE FROM chatflow.sessions WHERE id = $1", conversationID); err != nil {
		return fmt.Errorf("postgres: deleting session %q: %w", conversationID, err)
	}
	return nil
}

// Idle returns the IDs of at most limit conversations whose idle time is
// set and before before, earliest first.
func (s *Sessions) Idle(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if limit < 1 {
		return nil, nil
	}
	rows, err := s.db.pool.Query(ctx, `SELECT id FROM chatflow.sessions WHERE idle_at < $1 ORDER BY idle_at LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: finding idle sessions: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("postgres: finding idle sessions: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: finding idle sessions: %w", err)
	}
	return ids, nil
}
