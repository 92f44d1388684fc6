package testservers_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/chatflow/chatflow/internal/testservers"
)

func TestMain(m *testing.M) {
	testservers.Main(m, testservers.NeedPostgres, testservers.NeedRedis)
}

func TestPostgresRestartKeepsData(t *testing.T) {
	pg := testservers.GetPostgres(t)
	url, err := pg.CreateDatabase(t.Context(), "restart_test")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), "CREATE TABLE t (x int); INSERT INTO t VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	if err := pg.Restart(); err != nil {
		t.Skip(err) // a server given by URL cannot be restarted
	}
	if err := conn.Ping(t.Context()); err == nil {
		t.Error("a connection survived the restart")
	}
	conn, err = pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var x int
	if err := conn.QueryRow(t.Context(), "SELECT x FROM t").Scan(&x); err != nil || x != 7 {
		t.Fatalf("after restart: %d, %v", x, err)
	}
}

func TestRedisAnswers(t *testing.T) {
	if testservers.RedisURL(t) == "" {
		t.Fatal("no URL")
	}
}
