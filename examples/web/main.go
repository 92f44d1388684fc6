// Command web is a web chat over chatflow: a small net/http server with
// demo pages, a chat widget in plain HTML, CSS and JavaScript (no build
// step, nothing fetched from the internet), an agent console for the
// conversations the bots hand over, and pictures of every chatflow.
//
//	go run ./examples/web                       # then open http://127.0.0.1:8080
//	go run ./examples/web -addr :9000 -db chat.db
//
// Targeting decides which template shows on which page (see flows.go):
// the Concierge bot on the home page, the Qualify leads bot on /pricing,
// the Knowledge base & support bot on blog posts, none on /privacy. The
// chatflow stores and the example's own tables (transcripts, agent
// replies, which browser owns which conversation) are in one SQLite file,
// so a restart resumes every conversation. The agent console's address,
// with its key, is printed at start.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	dbPath := flag.String("db", filepath.Join(os.TempDir(), "chatflow-web.db"), "the SQLite file that keeps every conversation")
	agentKey := flag.String("agent-key", os.Getenv("CHATFLOW_AGENT_KEY"), "the agent console's key (default: random, printed at start)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *dbPath, *agentKey, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "web:", err)
		os.Exit(1)
	}
}

// run serves the site on addr until ctx is done.
func run(ctx context.Context, addr, dbPath, agentKey string, out *os.File) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	a, err := newApp(ctx, options{DBPath: dbPath, BaseURL: base, AgentKey: agentKey})
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(out, "Chatflow web demo on %s (conversations in %s)\n", base, dbPath)
	fmt.Fprintf(out, "Agent console: %s/agent?key=%s\n", base, a.agentKey)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
