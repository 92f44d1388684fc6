package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/chatflow/chatflow/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLockKey is the advisory lock Migrate holds, so that processes
// that start together apply each migration once.
const migrateLockKey = 0x63686174666c6f77 // "chatflow"

// Migrate brings the database's schema up to date: it creates the schema
// "chatflow" and applies, in order and in one transaction, each embedded
// migration not applied yet, recording it in chatflow.schema_migrations.
// It is safe to call from several processes at once and any number of
// times. Migrations this package does not know (applied by a newer
// version) are left alone.
func (db *DB) Migrate(ctx context.Context) error {
	all, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLockKey)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS chatflow;
			CREATE TABLE IF NOT EXISTS chatflow.schema_migrations (
				version    integer PRIMARY KEY,
				name       text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, err := tx.Query(ctx, "SELECT version FROM chatflow.schema_migrations")
		if err != nil {
			return err
		}
		versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		for _, v := range versions {
			applied[int(v)] = true
		}
		for _, m := range all {
			if applied[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("applying %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO chatflow.schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the highest migration applied to the database, 0
// for a database Migrate never ran on.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int32
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM chatflow.schema_migrations`).Scan(&v)
	if isCode(err, undefinedTable) || isCode(err, invalidSchemaName) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: schema version: %w", err)
	}
	return int(v), nil
}
