package testservers

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a running PostgreSQL server: one started by StartPostgres,
// or the one CHATFLOW_POSTGRES_URL names. Restart, Down, Up and Stop must
// not run at the same time as each other; CreateDatabase may run any time.
type Postgres struct {
	// URL connects to the server's "postgres" database as a superuser.
	URL string

	process
	bin  string              // the directory of initdb and postgres
	port int                 // the port it listens on
	cred *syscall.Credential // the user to run as; nil for ourselves
}

// StartPostgres starts a throwaway PostgreSQL cluster, or returns the
// server CHATFLOW_POSTGRES_URL names. The error matches ErrUnavailable
// when PostgreSQL is not installed.
func StartPostgres() (*Postgres, error) {
	if url := os.Getenv(PostgresURLEnv); url != "" {
		return &Postgres{URL: url, process: process{env: PostgresURLEnv}}, nil
	}
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	p := &Postgres{bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("testservers: PostgreSQL will not run as root and there is no user postgres to run it as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("", "chatflow-pg-")
	if err != nil {
		return nil, fmt.Errorf("testservers: %w", err)
	}
	p.process = process{name: "postgres", env: PostgresURLEnv, dir: dir, log: "postgres.log", stopSig: syscall.SIGINT,
		command: p.serverCommand, ready: p.ping, interval: 50 * time.Millisecond}
	if p.cred != nil {
		if err := os.Chown(dir, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("testservers: %w", err)
		}
	}
	initdb := p.asServerUser(filepath.Join(bin, "initdb"), "-D", p.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync")
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testservers: initdb: %w\n%s", err, out)
	}
	if err := p.startOnFreePort(func(port int) {
		p.port = port
		p.URL = fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", addr(port))
	}); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

// postgresBin finds the directory of initdb and postgres: on the PATH, or
// Debian's /usr/lib/postgresql/<version>/bin (the highest version).
func postgresBin() (string, error) {
	if path, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(path), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "postgres")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("%w: PostgreSQL's initdb and postgres were not found (install Debian's postgresql package, or set %s)",
		ErrUnavailable, PostgresURLEnv)
}

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }

// asServerUser returns a command that runs as the server's user.
func (p *Postgres) asServerUser(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.SysProcAttr.Credential = p.cred
	return cmd
}

// serverCommand is the postgres command line. The cluster is thrown away,
// yet the commit path is kept as in production (fsync on), so that
// benchmarks measure what a real server does.
func (p *Postgres) serverCommand() *exec.Cmd {
	return p.asServerUser(filepath.Join(p.bin, "postgres"), "-D", p.data(), "-p", strconv.Itoa(p.port),
		"-k", p.dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
		"-c", "shared_buffers=128MB", "-c", "log_min_messages=warning")
}

// ping connects and checks that the server is this one: another test
// binary's server may have taken the port while this one was down.
func (p *Postgres) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var dir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return err
	}
	if dir != p.data() {
		return fmt.Errorf("the server on port %d serves %s, not ours (%s)", p.port, dir, p.data())
	}
	return nil
}

// CreateDatabase creates a new, empty database and returns its URL. Tests
// that need a database of their own (migrations, fleets) use one.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		return "", fmt.Errorf("testservers: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("testservers: creating database %s: %w", name, err)
	}
	return replaceDatabase(p.URL, name), nil
}
