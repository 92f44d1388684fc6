package integration_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/internal/testservers"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/store/postgres"
	"github.com/chatflow/chatflow/store/redis"
	"github.com/chatflow/chatflow/store/sqlite"
)

// leadTurns is the lead script: the visitor's messages to the Qualify
// leads bot, after Start, that take it to its end (4 turns, plus Start).
var leadTurns = []string{"yes", "Ada", "", "51-200"} // "" is the email, unique per conversation

// benchAdapters are the stores the benchmarks compare. Each is opened
// once per benchmark binary (see benchEngine): a database created anew for
// every round of a benchmark would have the timed part compete with the
// creation's checkpoint.
var benchAdapters = []struct {
	name string
	open func(b *testing.B) store.Stores
}{
	{"Memory", func(*testing.B) store.Stores { return memory.New() }},
	{"SQLite", func(b *testing.B) store.Stores {
		dir, err := os.MkdirTemp("", "chatflow-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchCleanups = append(benchCleanups, func() { os.RemoveAll(dir) })
		db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(dir, "bench.db")})
		if err == nil {
			err = db.Migrate(context.Background())
		}
		if err != nil {
			b.Fatal(err)
		}
		benchCleanups = append(benchCleanups, func() { db.Close() })
		return db.Stores()
	}},
	{"Postgres", func(b *testing.B) store.Stores {
		db, err := postgres.Open(context.Background(), postgres.Config{URL: freshPostgres(b)})
		if err != nil {
			b.Fatal(err)
		}
		benchCleanups = append(benchCleanups, db.Close)
		return storesOn(db, nil)
	}},
	{"PostgresRedis", func(b *testing.B) store.Stores {
		db, err := postgres.Open(context.Background(), postgres.Config{URL: freshPostgres(b)})
		if err != nil {
			b.Fatal(err)
		}
		rdb, err := redis.Open(context.Background(), redis.Config{URL: testservers.RedisURL(b), Prefix: "bench:" + rand.Text()[:8] + ":"})
		if err != nil {
			b.Fatal(err)
		}
		benchCleanups = append(benchCleanups, db.Close, func() { rdb.Close() })
		return storesOn(db, rdb)
	}},
}

// benchEngines are the engines of the adapters opened so far, by name, and
// benchCleanups what closes them when the binary's tests end (TestMain).
var (
	benchEngines  = map[string]*engine.Engine{}
	benchCleanups []func()
)

// benchEngine returns the engine on the named adapter, opening it and
// running one conversation (to fill connection pools) the first time.
func benchEngine(b *testing.B, name string, open func(b *testing.B) store.Stores) *engine.Engine {
	if e, ok := benchEngines[name]; ok {
		return e
	}
	e := leadEngine(b, open(b))
	if err := leadConversation(context.Background(), e, "warm-up-"+rand.Text()[:8]); err != nil {
		b.Fatal(err)
	}
	benchEngines[name] = e
	return e
}

// leadEngine returns an engine on stores with the Qualify leads bot.
func leadEngine(b *testing.B, stores store.Stores) *engine.Engine {
	e, err := engine.New(engine.Config{Stores: stores})
	if err != nil {
		b.Fatal(err)
	}
	data, err := templates.JSON("qualify-leads")
	if err != nil {
		b.Fatal(err)
	}
	f, err := e.Load(data)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Publish(f); err != nil {
		b.Fatal(err)
	}
	return e
}

// leadConversation runs the lead script in conversation id: Start and the
// four answers, five turns.
func leadConversation(ctx context.Context, e *engine.Engine, id string) error {
	if _, err := e.Start(ctx, engine.StartRequest{ConversationID: id, FlowID: "qualify-leads", Channel: "chat"}); err != nil {
		return err
	}
	for i, text := range leadTurns {
		if text == "" {
			text = id + "@bench.example"
		}
		r, err := e.Handle(ctx, engine.Input{ConversationID: id, MessageID: fmt.Sprint(i), Text: text})
		if err != nil {
			return err
		}
		if r.Outcome != engine.OutcomeProcessed {
			return fmt.Errorf("turn %d of %s: outcome %s", i, id, r.Outcome)
		}
	}
	return nil
}

// BenchmarkLeadScript runs whole lead conversations one after another (one
// client: latency-bound on the database adapters). An op is a conversation
// of five turns; turns/s is the throughput.
func BenchmarkLeadScript(b *testing.B) {
	for _, a := range benchAdapters {
		b.Run(a.name, func(b *testing.B) {
			e := benchEngine(b, a.name, a.open)
			ctx := context.Background()
			run := rand.Text()[:8]
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := leadConversation(ctx, e, fmt.Sprint(run, "-", i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*(1+len(leadTurns)))/b.Elapsed().Seconds(), "turns/s")
		})
	}
}

// BenchmarkLeadScriptParallel runs lead conversations from 16 clients at
// once (8 per core on this machine's 2 cores), as a busy process would.
func BenchmarkLeadScriptParallel(b *testing.B) {
	for _, a := range benchAdapters {
		b.Run(a.name, func(b *testing.B) {
			e := benchEngine(b, a.name, a.open)
			ctx := context.Background()
			run := rand.Text()[:8]
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := leadConversation(ctx, e, fmt.Sprint(run, "-", next.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*(1+len(leadTurns)))/b.Elapsed().Seconds(), "turns/s")
		})
	}
}
