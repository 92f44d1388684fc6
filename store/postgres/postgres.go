// Package postgres implements chatflow's stores on PostgreSQL with pgx:
// contacts and companies, sessions with the version fence, the
// per-conversation lock, append-only consent records, subscriptions,
// lists, workflow enrollments, tickets, meeting links and a knowledge base
// searched with PostgreSQL's full-text search. It is the adapter for a
// fleet of processes that share one database; pair it with package
// store/redis to move sessions and the lock off the database (see
// docs/scaling.md).
//
//	db, err := postgres.Open(ctx, postgres.Config{URL: "postgres://chatflow@db/chatflow"})
//	if err != nil { … }
//	defer db.Close()
//	if err := db.Migrate(ctx); err != nil { … } // once per deployment, or at start
//	eng, err := engine.New(engine.Config{Stores: db.Stores()})
//
// # Schema and migrations
//
// Every table lives in the schema "chatflow". The schema is created and
// changed only by Migrate, never on import or Open: versioned migrations
// are embedded in the package, applied in order, each once, in one
// transaction under an advisory lock so that processes starting together
// do not race. Migrate is idempotent; a database migrated by a newer
// version of this package is left alone.
//
// # Serializing turns
//
// Locker takes a session-level advisory lock (pg_advisory_lock on a 64-bit
// hash of the conversation ID) on a connection of its own pool, held for
// the turn; unlock releases it and returns the connection. If the
// connection drops, PostgreSQL releases the lock, and the version fence of
// Sessions.Save (UPDATE … WHERE version = expected) keeps a turn that lost
// its lock from overwriting a newer session. Lock waits inside PostgreSQL;
// cancelling its context sends a cancel request, and a connection whose
// lock state is in doubt is closed rather than reused. Each turn in flight
// holds one connection of the lock pool (Config.LockConns).
//
// # Consent records
//
// consent_records is append-only by a trigger that holds for every role:
// an UPDATE may only fill in a record's missing contact (LinkContact), and
// DELETE or TRUNCATE is refused unless the transaction declares an erasure
// (SET LOCAL chatflow.erasure = 'on'), as Erase does. The owner of a table
// or a superuser can disable a trigger, so a host that wants the database
// itself to enforce it runs the application as a role that owns nothing:
//
//	GRANT USAGE ON SCHEMA chatflow TO app;
//	GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA chatflow TO app;
//	GRANT USAGE ON ALL SEQUENCES IN SCHEMA chatflow TO app;
//	REVOKE UPDATE, DELETE, TRUNCATE ON chatflow.consent_records FROM app;
//	GRANT UPDATE (contact_id), DELETE ON chatflow.consent_records TO app; -- the trigger still checks both
//
// Migrations then run as the owner.
//
// # Knowledge base
//
// Articles are indexed with to_tsvector in a text-search configuration
// (Config.TextSearch, default "english": stemming and English stop words),
// weighted title A, subtitle and tags B, category and subcategory C, body
// D, in a GIN index. A search matches articles with any of the query's
// words, ranks them with ts_rank (weights D 0.33, C 0.5, B 0.75, A 1,
// normalized by document length), and filters restricted articles in SQL.
//
// # Personal data
//
// Contacts implements store.ContactDeleter; Subscriptions, Lists,
// Workflows and Tickets implement store.Forgetter and their readers;
// ConsentRecords.Erase deletes records; Sessions.Delete deletes a session.
// Deleted rows are gone for SQL; PostgreSQL reclaims their space at the
// next VACUUM.
//
// Every type is safe for concurrent use. Times are stored with microsecond
// precision.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chatflow/chatflow/store"
)

// Config configures a DB. Only URL is required.
type Config struct {
	// URL is a PostgreSQL connection string (postgres://… or key=value),
	// as pgx reads it; pool settings in it (pool_max_conns, …) apply to
	// the main pool.
	URL string
	// LockConns is the most connections the Locker keeps: one per turn in
	// flight or waiting for its lock. 0 means 64.
	LockConns int32
	// TextSearch is the text-search configuration of the knowledge base
	// ("english", "dutch", "simple", …); "" means "english".
	TextSearch string
}

// DB is a connection to a chatflow database: two connection pools (one for
// queries, one for the conversation locks) and the stores on them. Build it
// with Open; the zero value is not usable. A DB is safe for concurrent use.
type DB struct {
	pool       *pgxpool.Pool
	locks      *pgxpool.Pool
	textSearch string
}

// Open connects to the database. It does not create or change the
// schema: call Migrate for that.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	main, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	lock := main.Copy()
	lock.MaxConns = cfg.LockConns
	if lock.MaxConns <= 0 {
		lock.MaxConns = 64
	}
	lock.MinConns = 0
	// A cancelled Lock must stop waiting in PostgreSQL at once: ask the
	// server to cancel the statement instead of cutting the connection,
	// whose backend would go on waiting for the lock.
	lock.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	db := &DB{textSearch: cfg.TextSearch}
	if db.textSearch == "" {
		db.textSearch = "english"
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, main); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if db.locks, err = pgxpool.NewWithConfig(ctx, lock); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return db, nil
}

// Close closes the pools, waiting for connections in use to be returned.
func (db *DB) Close() {
	db.locks.Close()
	db.pool.Close()
}

// Pool returns the pool the stores query through, for a host that wants
// to run its own statements in the same database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Stores returns every store on this database: Contacts serves as
// Contacts and Companies.
func (db *DB) Stores() store.Stores {
	c := db.Contacts()
	return store.Stores{
		Contacts: c, Companies: c, Sessions: db.Sessions(), Locker: db.Locker(), Consent: db.ConsentRecords(),
		Subscriptions: db.Subscriptions(), Lists: db.Lists(), Workflows: db.Workflows(), Tickets: db.Tickets(),
		KnowledgeBase: db.KnowledgeBase(), Meetings: db.Meetings(),
	}
}

// Error codes of PostgreSQL that the adapters map to store errors.
const (
	foreignKeyViolation = "23503"
	undefinedTable      = "42P01"
	invalidSchemaName   = "3F000"
)

// isCode reports whether err is a PostgreSQL error with the given code.
func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// noRows reports whether err says a query returned no row.
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// nullIfEmpty returns nil for "", so that an empty ID is stored as NULL.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
