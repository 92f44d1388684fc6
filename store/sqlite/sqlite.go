// Package sqlite implements every chatflow store in one SQLite database
// file with modernc.org/sqlite (pure Go, no cgo): the embedded default for
// a host that runs in one process, and what the examples use to keep a
// conversation across restarts.
//
//	db, err := sqlite.Open(ctx, sqlite.Config{Path: "chat.db"})
//	if err != nil { … }
//	defer db.Close()
//	if err := db.Migrate(ctx); err != nil { … }
//	eng, err := engine.New(engine.Config{Stores: db.Stores()})
//
// # One process
//
// The database runs in WAL mode with a busy timeout. Writes go through one
// connection, so they never fail with SQLITE_BUSY between goroutines of
// the process; reads use a pool of their own and see the last committed
// write. The Locker is in-process (as store/memory's): two processes may
// share the file for reading, or take turns, but not serve the same
// conversations at once — Sessions' version check would refuse the
// losing write, yet the turns would not wait for each other. Use
// store/postgres for a fleet.
//
// # Schema and migrations
//
// Open changes nothing; Migrate applies the embedded, versioned migrations
// in order, each once and in its own transaction, and records them in
// schema_migrations. It is idempotent.
//
// # Consent records and erasure
//
// Triggers keep consent_records append-only, as in store/postgres: an
// UPDATE may only fill in a missing contact, and a DELETE is refused
// outside Erase's transaction. Contacts implements store.ContactDeleter;
// Subscriptions, Lists, Workflows and Tickets implement store.Forgetter
// and their readers. SQLite overwrites deleted content only as pages are
// reused; run VACUUM (or set PRAGMA secure_delete) if erased data must
// leave the file at once.
//
// # Knowledge base
//
// Articles are indexed with FTS5 (the porter stemmer over the unicode61
// tokenizer, accents folded) and ranked with bm25 with the field weights
// of store/memory: title 3, tags 2.5, subtitle 2, category and subcategory
// 1.5, body 1. A search matches articles with any of the query's words.
//
// Every type is safe for concurrent use.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"runtime"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/chatflow/chatflow/internal/migrations"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

// Config configures a DB. Path is required.
type Config struct {
	// Path is the database file; it is created if missing.
	Path string
	// BusyTimeoutMillis is how long a statement waits for a lock held by
	// another connection (or process); 0 means 10000.
	BusyTimeoutMillis int
}

// DB is one SQLite database and the stores in it. Build it with Open; the
// zero value is not usable. A DB is safe for concurrent use.
type DB struct {
	w     *sql.DB // the one writing connection
	r     *sql.DB // readers
	locks *memory.Locker
}

// Open opens (creating if need be) the database file. It does not create
// or change the schema: call Migrate for that.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("sqlite: Config.Path is empty")
	}
	busy := cfg.BusyTimeoutMillis
	if busy <= 0 {
		busy = 10000
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: cfg.Path}).EscapedPath() + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	// The writer sets the file up (WAL mode is kept in the file) before
	// any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", cfg.Path, err)
	}
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{w: w, r: r, locks: memory.NewLocker()}, nil
}

// Close closes the database.
func (db *DB) Close() error {
	rerr := db.r.Close()
	if err := db.w.Close(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if rerr != nil {
		return fmt.Errorf("sqlite: %w", rerr)
	}
	return nil
}

// Stores returns every store in the database: Contacts serves as Contacts
// and Companies, and the Locker is in-process.
func (db *DB) Stores() store.Stores {
	c := db.Contacts()
	return store.Stores{
		Contacts: c, Companies: c, Sessions: db.Sessions(), Locker: db.Locker(), Consent: db.ConsentRecords(),
		Subscriptions: db.Subscriptions(), Lists: db.Lists(), Workflows: db.Workflows(), Tickets: db.Tickets(),
		KnowledgeBase: db.KnowledgeBase(), Meetings: db.Meetings(),
	}
}

// Locker returns the in-process conversation lock, store/memory's; every
// call returns the same lock.
func (db *DB) Locker() *memory.Locker { return db.locks }

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate brings the schema up to date: it applies each embedded migration
// not applied yet, in order, each in its own transaction with its record
// in schema_migrations. It is idempotent; migrations this package does not
// know (applied by a newer version) are left alone.
func (db *DB) Migrate(ctx context.Context) error {
	all, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for _, m := range all {
		err := db.write(ctx, func(tx *sql.Tx) error {
			var done bool
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)", m.Version).Scan(&done); err != nil || done {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("applying %s: %w", m.Name, err)
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
	}
	return nil
}

// SchemaVersion returns the highest migration applied, 0 for a database
// Migrate never ran on.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	if err := db.r.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')").Scan(&exists); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := db.r.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v, nil
}

// write runs fn in a transaction on the writing connection (BEGIN
// IMMEDIATE), committing when it returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
