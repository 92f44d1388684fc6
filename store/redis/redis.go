// Package redis implements chatflow's hot-path stores on Redis with
// go-redis: Sessions, with a compare-and-set on the version, and Locker,
// the per-conversation lock with a token and a lease. Every turn uses
// both, and nothing else a turn touches needs to be as fast.
//
// A host pairs them with stores that keep records for good — package
// store/postgres for contacts, companies, consent records, subscriptions,
// lists, workflows, tickets, meeting links and the knowledge base:
//
//	db, err := postgres.Open(ctx, postgres.Config{URL: pgURL})
//	…
//	rdb, err := redis.Open(ctx, redis.Config{URL: "redis://cache:6379/0"})
//	…
//	stores := db.Stores()
//	stores.Sessions, stores.Locker = rdb.Sessions(), rdb.Locker()
//
// Sessions are then only as durable as the Redis server: run it with the
// append-only file (appendonly yes) so a restart keeps them, and see
// docs/scaling.md for the memory a conversation takes.
//
// # Keys
//
// A session is a hash at <prefix>session:{<conversation ID>} with fields d
// (the data) and v (the version); a lock is a string at
// <prefix>lock:{<conversation ID>} holding the holder's token. The braces
// make a conversation's keys one Redis Cluster hash slot. The sorted set
// <prefix>idle indexes the sessions by their idle time (see Sessions).
//
// # The lock
//
// Lock sets the key with NX and a lease (Config.Lease) and, while the key
// is taken, polls with a growing, jittered pause until it is free or the
// context ends. While held, a goroutine extends the lease every third of
// it, so a long turn keeps its lock; unlock stops that goroutine and
// deletes the key only if it still holds the token (a Lua script). If the
// holder dies, the lock frees itself when the lease runs out. If a lease is
// lost anyway (the holder stalled past it, the server restarted without
// the key), Save's version check refuses the late turn's write: a lost
// lease never overwrites a newer session.
package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Config configures a DB. The zero value is valid for New; Open needs URL.
type Config struct {
	// URL is the server's address as go-redis's ParseURL reads it
	// (redis://user:password@host:6379/0, rediss:// for TLS).
	URL string
	// Prefix starts every key; "" means "chatflow:".
	Prefix string
	// Lease is how long a lock outlives a holder that stopped renewing it
	// (died, or lost the server); 0 means 15 seconds.
	Lease time.Duration
	// SessionTTL, when positive, makes a session expire that long after
	// its last Save, so that abandoned conversations do not keep memory.
	// A conversation that comes back after that starts afresh.
	SessionTTL time.Duration
}

// DB is chatflow's use of one Redis server (or cluster): its Sessions and
// Locker. Build it with Open or New; the zero value is not usable. A DB is
// safe for concurrent use.
type DB struct {
	client goredis.UniversalClient
	own    bool // Close closes the client
	prefix string
	lease  time.Duration
	ttl    time.Duration
}

// Open connects to the server at cfg.URL and checks that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	opts, err := goredis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	client := goredis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	db := New(client, cfg)
	db.own = true
	return db, nil
}

// New returns a DB on a client the host made (a cluster or failover
// client, say); cfg.URL is ignored, and Close leaves the client open.
func New(client goredis.UniversalClient, cfg Config) *DB {
	db := &DB{client: client, prefix: cfg.Prefix, lease: cfg.Lease, ttl: cfg.SessionTTL}
	if db.prefix == "" {
		db.prefix = "chatflow:"
	}
	if db.lease <= 0 {
		db.lease = 15 * time.Second
	}
	return db
}

// Close closes the client Open made.
func (db *DB) Close() error {
	if !db.own {
		return nil
	}
	return db.client.Close()
}

// Client returns the client the stores use.
func (db *DB) Client() goredis.UniversalClient { return db.client }

func (db *DB) sessionKey(id string) string { return db.prefix + "session:{" + id + "}" }
func (db *DB) lockKey(id string) string    { return db.prefix + "lock:{" + id + "}" }
func (db *DB) idleKey() string             { return db.prefix + "idle" }

// isNil reports whether err is go-redis's "no such key".
func isNil(err error) bool { return errors.Is(err, goredis.Nil) }
