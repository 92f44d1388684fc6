package testservers

import (
	"context"
	"errors"
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
// or the one CHATFLOW_POSTGRES_URL names. Its methods are safe for
// concurrent use, except that Restart and Stop must not run at the same
// time as each other.
type Postgres struct {
	// URL connects to the server's "postgres" database as a superuser.
	URL string

	external bool
	bin      string // the directory of initdb and postgres
	dir      string // the temporary directory: data/, the socket, the log
	port     int
	cred     *syscall.Credential // the user to run as; nil for ourselves
	cmd      *exec.Cmd
	exited   chan struct{}
}

// StartPostgres starts a throwaway PostgreSQL cluster, or returns the
// server CHATFLOW_POSTGRES_URL names. The error matches ErrUnavailable
// when PostgreSQL is not installed.
func StartPostgres() (*Postgres, error) {
	if url := os.Getenv(PostgresURLEnv); url != "" {
		return &Postgres{URL: url, external: true}, nil
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
	if p.dir, err = os.MkdirTemp("", "chatflow-pg-"); err != nil {
		return nil, fmt.Errorf("testservers: %w", err)
	}
	if p.cred != nil {
		if err := os.Chown(p.dir, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
			os.RemoveAll(p.dir)
			return nil, fmt.Errorf("testservers: %w", err)
		}
	}
	initdb := p.command(filepath.Join(bin, "initdb"), "-D", p.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(p.dir)
		return nil, fmt.Errorf("testservers: initdb: %w\n%s", err, out)
	}
	// Another test binary may take the port between freePort and the
	// server binding it: try a few.
	for range 3 {
		if p.port, err = freePort(); err != nil {
			break
		}
		if err = p.start(); err == nil {
			return p, nil
		}
	}
	os.RemoveAll(p.dir)
	return nil, err
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

// command returns a command that runs as the server's user.
func (p *Postgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = p.dir
	cmd.SysProcAttr = sysProcAttr()
	cmd.SysProcAttr.Credential = p.cred
	return cmd
}

// start runs postgres on p.port and waits until it accepts connections.
func (p *Postgres) start() error {
	log, err := os.OpenFile(filepath.Join(p.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testservers: %w", err)
	}
	defer log.Close()
	// The cluster is thrown away: durability is not needed, but the
	// commit path is kept as in production (fsync on) so that benchmarks
	// measure what a real server does.
	cmd := p.command(filepath.Join(p.bin, "postgres"), "-D", p.data(), "-p", strconv.Itoa(p.port),
		"-k", p.dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
		"-c", "shared_buffers=128MB", "-c", "log_min_messages=warning")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testservers: starting postgres: %w", err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) {
		cmd.Wait()
		close(exited)
	}(p.exited)
	p.URL = fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", addr(p.port))
	if err := p.waitReady(30 * time.Second); err != nil {
		p.kill()
		logText, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
		return fmt.Errorf("%w\n%s", err, logText)
	}
	return nil
}

// waitReady polls the server until a query succeeds, the server exits or
// the time is up.
func (p *Postgres) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, p.URL)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("testservers: postgres exited: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testservers: postgres did not start within %v: %w", limit, err)
		}
	}
}

// kill stops the server process: a fast shutdown (SIGINT), which ends
// every connection, then SIGKILL if it takes too long.
func (p *Postgres) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
}

// Restart stops the server, which ends every connection with an error, and
// starts it again on the same port with the same data. It fails for a
// server given by the environment.
func (p *Postgres) Restart() error {
	if err := p.Down(); err != nil {
		return err
	}
	return p.Up()
}

// Down stops the server, keeping its data, so that tests can see what a
// client does while the server is away; Up starts it again. It fails for a
// server given by the environment.
func (p *Postgres) Down() error {
	if p.external {
		return errors.New("testservers: cannot stop a server given by " + PostgresURLEnv)
	}
	p.kill()
	return nil
}

// Up starts a server that Down stopped, on the same port with the same
// data.
func (p *Postgres) Up() error {
	if p.external {
		return errors.New("testservers: cannot start a server given by " + PostgresURLEnv)
	}
	return p.start()
}

// Stop stops a server StartPostgres started and removes its files. It does
// nothing for a server given by CHATFLOW_POSTGRES_URL.
func (p *Postgres) Stop() {
	if p.external {
		return
	}
	p.kill()
	os.RemoveAll(p.dir)
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
