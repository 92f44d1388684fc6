package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chatflow/chatflow/store"
)

// Sessions is the session store: a hash per conversation, written by a Lua
// script that compares the stored version with the expected one and writes
// data and version+1 in one atomic step. Versions start at 1; after Delete
// they start at 1 again (see store.Sessions.Delete for the rule that makes
// this safe). A script that ran but whose answer was lost is retried by
// go-redis and then reports ErrConflict, which the engine turns into an
// error the host retries; the retry finds the message already processed.
//
// Get one from DB.Sessions; the zero value is not usable. Sessions is safe
// for concurrent use.
type Sessions struct{ db *DB }

var _ store.Sessions = (*Sessions)(nil)

// Sessions returns the session store.
func (db *DB) Sessions() *Sessions { return &Sessions{db} }

// saveScript stores ARGV[1] as version ARGV[2]+1 if the stored version is
// ARGV[2] (0 when there is no session), sets the expiry ARGV[3] in
// milliseconds when positive, and returns the new version, or -1 on a
// mismatch.
var saveScript = goredis.NewScript(`
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[2]) then return -1 end
v = v + 1
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'v', v)
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return v
`)

// Load returns the conversation's session, or an error matching
// store.ErrNotFound.
func (s *Sessions) Load(ctx context.Context, conversationID string) (store.SessionRecord, error) {
	vals, err := s.db.client.HMGet(ctx, s.db.sessionKey(conversationID), "d", "v").Result()
	if err != nil {
		return store.SessionRecord{}, fmt.Errorf("redis: loading session %q: %w", conversationID, err)
	}
	data, _ := vals[0].(string)
	version, ok := vals[1].(string)
	if !ok {
		return store.SessionRecord{}, fmt.Errorf("redis: session %q: %w", conversationID, store.ErrNotFound)
	}
	var rec store.SessionRecord
	if _, err := fmt.Sscan(version, &rec.Version); err != nil {
		return rec, fmt.Errorf("redis: session %q has version %q: %w", conversationID, version, err)
	}
	rec.Data = []byte(data)
	return rec, nil
}

// Save stores data if the stored version equals expectedVersion (0: no
// session stored) and returns the new version; otherwise it stores nothing
// and returns an error matching store.ErrConflict.
func (s *Sessions) Save(ctx context.Context, conversationID string, data []byte, expectedVersion int64) (int64, error) {
	if data == nil {
		data = []byte{}
	}
	v, err := saveScript.Run(ctx, s.db.client, []string{s.db.sessionKey(conversationID)},
		data, expectedVersion, s.db.ttl.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("redis: saving session %q: %w", conversationID, err)
	}
	if v < 0 {
		return 0, fmt.Errorf("redis: saving session %q at version %d: %w", conversationID, expectedVersion, store.ErrConflict)
	}
	return v, nil
}

// Delete removes the conversation's session; a missing one is not an
// error.
func (s *Sessions) Delete(ctx context.Context, conversationID string) error {
	if err := s.db.client.Del(ctx, s.db.sessionKey(conversationID)).Err(); err != nil {
		return fmt.Errorf("redis: deleting session %q: %w", conversationID, err)
	}
	return nil
}
