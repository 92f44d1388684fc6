package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

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
// It implements store.IdleSessions with a sorted set, <prefix>idle, of
// conversation IDs scored by their idle time in Unix milliseconds; the
// session's hash keeps its own idle time in field i. The set is one key and
// a session another (in Redis Cluster, another slot), so they are not
// written in one step: SaveIdle first adds the new idle time to the set
// unless the set holds an earlier one (ZADD LT, sent with the save), then
// saves, then, if the idle time changed, sets it exactly or removes the
// conversation. The set can therefore hold a time earlier than the
// session's, or a conversation that is no longer idle or whose session
// expired (Config.SessionTTL), which store.IdleSessions allows, but not
// miss a session that is idle, unless the server fails between the steps.
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

// saveScript stores ARGV[1] as version ARGV[2]+1 with the idle time ARGV[4]
// ("" for none) if the stored version is ARGV[2] (0 when there is no
// session), sets the expiry ARGV[3] in milliseconds when positive, and
// returns the new version and the idle time stored before, or -1 on a
// mismatch.
var saveScript = goredis.NewScript(`
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[2]) then return {-1, ''} end
local old = redis.call('HGET', KEYS[1], 'i') or ''
v = v + 1
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'v', v, 'i', ARGV[4])
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return {v, old}
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
	return s.SaveIdle(ctx, conversationID, data, expectedVersion, time.Time{})
}

// SaveIdle is Save that also records from when the session counts as idle
// (the zero time: never), for Idle. A failure to update the idle set after
// the session was saved is not reported: the session is saved, and the set
// errs only on the side Idle allows (see Sessions).
func (s *Sessions) SaveIdle(ctx context.Context, conversationID string, data []byte, expectedVersion int64, idleAt time.Time) (int64, error) {
	if data == nil {
		data = []byte{}
	}
	idle := ""
	if !idleAt.IsZero() {
		idle = strconv.FormatInt(idleAt.UnixMilli(), 10)
	}
	res, err := s.saveWithIndex(ctx, conversationID, data, expectedVersion, idle, idleAt)
	if err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		// A server that restarted or flushed its scripts: load it again.
		if err = saveScript.Load(ctx, s.db.client).Err(); err == nil {
			res, err = s.saveWithIndex(ctx, conversationID, data, expectedVersion, idle, idleAt)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("redis: saving session %q: %w", conversationID, err)
	}
	out, err := res.Slice()
	if err != nil || len(out) != 2 {
		return 0, fmt.Errorf("redis: saving session %q: unexpected answer %v: %w", conversationID, out, err)
	}
	v, _ := out[0].(int64)
	if v < 0 {
		return 0, fmt.Errorf("redis: saving session %q at version %d: %w", conversationID, expectedVersion, store.ErrConflict)
	}
	if old, _ := out[1].(string); old != idle {
		if idle == "" {
			s.db.client.ZRem(ctx, s.db.idleKey(), conversationID)
		} else {
			s.db.client.ZAdd(ctx, s.db.idleKey(), goredis.Z{Score: float64(idleAt.UnixMilli()), Member: conversationID})
		}
	}
	return v, nil
}

// saveWithIndex sends the ZADD LT of a non-empty idle time and the save
// script in one pipeline, and returns the script's answer. A failure of
// the ZADD alone is not an error: SaveIdle puts the set right afterwards.
func (s *Sessions) saveWithIndex(ctx context.Context, id string, data []byte, expected int64, idle string, idleAt time.Time) (*goredis.Cmd, error) {
	var res *goredis.Cmd
	_, err := s.db.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		if idle != "" {
			p.ZAddLT(ctx, s.db.idleKey(), goredis.Z{Score: float64(idleAt.UnixMilli()), Member: id})
		}
		res = saveScript.EvalSha(ctx, p, []string{s.db.sessionKey(id)}, data, expected, s.db.ttl.Milliseconds(), idle)
		return nil
	})
	if res != nil && res.Err() == nil {
		return res, nil
	}
	if res != nil && res.Err() != nil {
		return nil, res.Err()
	}
	return nil, err
}

// Idle returns the IDs of at most limit conversations whose idle time is
// set and before before, earliest first.
func (s *Sessions) Idle(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if limit < 1 {
		return nil, nil
	}
	ids, err := s.db.client.ZRangeArgs(ctx, goredis.ZRangeArgs{
		Key: s.db.idleKey(), ByScore: true, Start: "-inf", Stop: "(" + strconv.FormatInt(before.UnixMilli(), 10),
		Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: finding idle sessions: %w", err)
	}
	return ids, nil
}

// Delete removes the conversation's session; a missing one is not an
// error.
func (s *Sessions) Delete(ctx context.Context, conversationID string) error {
	_, err := s.db.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Del(ctx, s.db.sessionKey(conversationID))
		p.ZRem(ctx, s.db.idleKey(), conversationID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: deleting session %q: %w", conversationID, err)
	}
	return nil
}
