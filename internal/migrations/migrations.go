// Package migrations reads the versioned schema migrations that the SQL
// store adapters embed: files named NNNN_description.sql, applied in
// order of their number, each once. The adapters apply them in their own
// dialect; this package only finds, orders and checks them.
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one schema change. The zero value is not a migration.
type Migration struct {
	// Version is the number the file name starts with; versions start at 1
	// and have no gaps.
	Version int
	// Name is the file name.
	Name string
	// SQL is the file's content.
	SQL string
}

// Load reads the migrations in dir of fsys, ordered by version. It fails
// when a .sql file is not named NNNN_description.sql, when two share a
// version, or when versions do not run 1, 2, 3, … without a gap: a
// migration that went missing must not go unnoticed.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations: %s is not named NNNN_description.sql", name)
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(data)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: %s has version %d, want %d (versions run 1, 2, 3, … once each)", m.Name, m.Version, i+1)
		}
	}
	return out, nil
}
