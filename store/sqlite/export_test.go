package sqlite

import (
	"database/sql"
	"testing"
)

// SQLDB returns the writing connection, for tests that run raw SQL.
func SQLDB(_ *testing.T, db *DB) (*sql.DB, error) { return db.w, nil }
