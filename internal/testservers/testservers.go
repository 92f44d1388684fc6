// Package testservers starts the throwaway database servers that the tests
// of the store adapters need: a PostgreSQL cluster (initdb and postgres) and
// a redis-server, each in a temporary directory on a free loopback port,
// stopped and removed when the tests end.
//
// A test package starts what it needs once, from TestMain, and its tests
// ask for it:
//
//	func TestMain(m *testing.M) { testservers.Main(m, testservers.NeedPostgres) }
//
//	func TestSomething(t *testing.T) {
//		url := testservers.PostgresURL(t) // skips when PostgreSQL is not installed
//		…
//	}
//
// Environment:
//
//   - CHATFLOW_POSTGRES_URL, CHATFLOW_REDIS_URL: use these servers instead
//     of starting any (their data is not removed; the tests use unique keys
//     and fresh databases).
//   - CHATFLOW_REQUIRE_SERVERS=1: a server that cannot be had fails the
//     tests instead of skipping them, so that CI cannot pass by skipping.
//
// Without the binaries the tests skip with a message naming the Debian
// package to install (postgresql, redis-server). As root, initdb and
// postgres run as the user "postgres", since PostgreSQL refuses to run as
// root.
//
// The package keeps the servers of the running test binary in package
// variables; it is for tests only. Its functions are safe for concurrent
// use once Main has started the servers.
package testservers

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"testing"
)

// The environment variables the package reads.
const (
	// PostgresURLEnv names a PostgreSQL server to use instead of starting one.
	PostgresURLEnv = "CHATFLOW_POSTGRES_URL"
	// RedisURLEnv names a Redis server to use instead of starting one.
	RedisURLEnv = "CHATFLOW_REDIS_URL"
	// RequireEnv, set to 1, makes a missing server a failure.
	RequireEnv = "CHATFLOW_REQUIRE_SERVERS"
)

// ErrUnavailable reports that a server cannot be started on this machine
// because its programs are not installed.
var ErrUnavailable = errors.New("testservers: server not installed")

// Server names a kind of server Main can start.
type Server int

// The servers.
const (
	NeedPostgres Server = iota + 1
	NeedRedis
)

// started holds what Main started, or why it could not.
var started struct {
	pg    *Postgres
	pgErr error
	rd    *Redis
	rdErr error
}

// Required reports whether CHATFLOW_REQUIRE_SERVERS asks for every server.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Main starts the servers, runs the tests, stops the servers and exits
// with the tests' code. It is meant to be a test package's TestMain. A
// server that cannot be started makes its tests skip, or, under
// CHATFLOW_REQUIRE_SERVERS=1, fails the run at once.
func Main(m *testing.M, servers ...Server) {
	os.Exit(Run(m, servers...))
}

// Run is Main without the exit: it returns the tests' exit code, for a
// TestMain that has more to do before it exits.
func Run(m *testing.M, servers ...Server) int {
	for _, s := range servers {
		switch s {
		case NeedPostgres:
			started.pg, started.pgErr = StartPostgres()
			if started.pg != nil {
				defer started.pg.Stop()
			}
		case NeedRedis:
			started.rd, started.rdErr = StartRedis()
			if started.rd != nil {
				defer started.rd.Stop()
			}
		}
	}
	if Required() {
		for _, err := range []error{started.pgErr, started.rdErr} {
			if err != nil {
				fmt.Fprintf(os.Stderr, "testservers: %v (%s=1)\n", err, RequireEnv)
				return 1
			}
		}
	}
	return m.Run()
}

// GetPostgres returns the PostgreSQL server Main started. Without one it
// skips the test, or fails it under CHATFLOW_REQUIRE_SERVERS=1.
func GetPostgres(t testing.TB) *Postgres {
	t.Helper()
	return need(t, started.pg, started.pgErr, "Postgres")
}

// PostgresURL returns the URL of the PostgreSQL server Main started, as
// GetPostgres does.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return GetPostgres(t).URL
}

// GetRedis returns the Redis server Main started. Without one it skips the
// test, or fails it under CHATFLOW_REQUIRE_SERVERS=1.
func GetRedis(t testing.TB) *Redis {
	t.Helper()
	return need(t, started.rd, started.rdErr, "Redis")
}

// RedisURL returns the URL of the Redis server Main started, as
// GetRedis does.
func RedisURL(t testing.TB) string {
	t.Helper()
	return GetRedis(t).URL
}

// need returns s, or stops the test with err.
func need[S any](t testing.TB, s *S, err error, name string) *S {
	t.Helper()
	switch {
	case s != nil:
		return s
	case err == nil:
		t.Fatalf("testservers: the test needs %s, which TestMain did not start (add it to testservers.Main)", name)
	case Required() || !errors.Is(err, ErrUnavailable):
		t.Fatal(err)
	default:
		t.Skip(err)
	}
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testservers: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// addr returns the loopback address of port.
func addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// replaceDatabase returns the URL with its path (the database) set to name.
func replaceDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.Path = "/" + name
	return u.String()
}
