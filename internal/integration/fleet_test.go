package integration_test

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/internal/testservers"
)

// The fleet test's environment for its workers.
const (
	fleetPostgresEnv = "CHATFLOW_FLEET_POSTGRES"
	fleetRedisEnv    = "CHATFLOW_FLEET_REDIS"
	fleetPrefixEnv   = "CHATFLOW_FLEET_PREFIX"
	// fleetDieEnv makes a worker kill itself in the middle of its Nth turn:
	// after the ticket is created, before anything is saved.
	fleetDieEnv = "CHATFLOW_FLEET_DIE_AT"
)

// fleetMsg is a message the dispatcher hands a worker, and the worker's
// answer (Outcome or Err) on a line that starts with "FLEET ".
type fleetMsg struct {
	Conv    string `json:"c"`
	ID      string `json:"m"`
	Text    string `json:"t,omitempty"`
	Outcome string `json:"o,omitempty"`
	Err     string `json:"e,omitempty"`
}

// Several processes — this test binary run again as workers — serve the
// turns of the same conversations, sharing PostgreSQL (and then PostgreSQL
// with sessions and locks on Redis). Each message goes to a random worker,
// a third of them to a second worker at the same time (a redelivery). One
// worker kills itself in the middle of a turn (its ticket created, nothing
// saved) and another is killed from outside at a random moment; their
// unanswered messages are handed to the others. Afterwards every conversation must show each message's effects
// exactly once: its property, its counter increment, its ticket.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	t.Run("Postgres", func(t *testing.T) { runFleet(t, false) })
	t.Run("PostgresRedis", func(t *testing.T) { runFleet(t, true) })
}

func runFleet(t *testing.T, withRedis bool) {
	const conversations, messages, workers = 12, 10, 4
	url := freshPostgres(t)
	db := openPostgres(t, url)
	env := []string{workerEnv + "=1", fleetPostgresEnv + "=" + url}
	stores := storesOn(db, nil)
	if withRedis {
		redisURL, prefix := testservers.RedisURL(t), "fleet:"+t.Name()+":"+crand.Text()[:6]+":"
		stores = storesOn(db, openRedis(t, redisURL, prefix))
		env = append(env, fleetRedisEnv+"="+redisURL, fleetPrefixEnv+"="+prefix)
	}
	e := loopEngine(t, stores, nil)
	contactIDs := make([]string, conversations)
	for i := range contactIDs {
		contactIDs[i] = startConversation(t, e, stores.Contacts, fmt.Sprint("conv-", i))
	}

	f := newFleet(t, workers, env, fleetDieEnv+"=15")
	var acked atomic.Int64
	killAt := int64(conversations * messages / 3)
	var wg sync.WaitGroup
	for c := range conversations {
		conv := fmt.Sprint("conv-", c)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for i := 1; i <= messages; i++ {
				m := fleetMsg{Conv: conv, ID: fmt.Sprint("m", i), Text: fmt.Sprintf("p%d=v%d", i, i)}
				f.deliver(t, rng, m, rng.IntN(3) == 0)
				if acked.Add(1) == killAt {
					f.kill(1)
				}
			}
			// A late redelivery of an earlier message changes nothing.
			i := 1 + rng.IntN(messages)
			f.deliver(t, rng, fleetMsg{Conv: conv, ID: fmt.Sprint("m", i), Text: fmt.Sprintf("p%d=v%d", i, i)}, false)
		})
	}
	wg.Wait()
	f.stop(t)
	if !f.killed.Load() || !f.workers[0].dead {
		t.Fatal("a worker that should have died is alive")
	}
	t.Logf("%d messages sent again after a failure or a death, %d answered as duplicates", f.resent.Load(), f.duplicates.Load())
	for _, id := range contactIDs {
		checkConversation(t, stores, id, messages)
	}
}

// fleet is the worker processes and the messages waiting for an answer.
type fleet struct {
	workers []*worker
	killed  atomic.Bool
	// resent counts messages sent again because no copy was processed
	// (the worker died or failed); duplicates counts answers that found
	// the message processed already.
	resent, duplicates atomic.Int64
}

// worker is one worker process.
type worker struct {
	n       int
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  bytes.Buffer
	mu      sync.Mutex
	dead    bool
	waiting map[string]chan fleetMsg // by conversation and message ID
	exited  chan struct{}
}

// newFleet starts n workers; the first also gets firstEnv.
func newFleet(t *testing.T, n int, env []string, firstEnv string) *fleet {
	f := &fleet{}
	for i := range n {
		w := &worker{n: i, waiting: map[string]chan fleetMsg{}, exited: make(chan struct{})}
		w.cmd = exec.Command(os.Args[0], "-test.run=^TestFleetWorker$", "-test.count=1")
		w.cmd.Env = append(os.Environ(), env...)
		if i == 0 {
			w.cmd.Env = append(w.cmd.Env, firstEnv)
		}
		w.cmd.Stderr = &w.stderr
		var err error
		if w.stdin, err = w.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		stdout, err := w.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go w.read(stdout)
		f.workers = append(f.workers, w)
	}
	t.Cleanup(func() {
		for _, w := range f.workers {
			w.cmd.Process.Kill()
			<-w.exited
		}
	})
	return f
}

// read hands the worker's answers to the messages waiting for them; when
// the worker's output ends, every waiting message learns it died.
func (w *worker) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "FLEET ")
		if !ok {
			continue
		}
		var m fleetMsg
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		w.mu.Lock()
		ch := w.waiting[m.Conv+"/"+m.ID]
		delete(w.waiting, m.Conv+"/"+m.ID)
		w.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
	w.cmd.Wait()
	w.mu.Lock()
	w.dead = true
	for k, ch := range w.waiting {
		ch <- fleetMsg{Err: "worker died"}
		delete(w.waiting, k)
	}
	w.mu.Unlock()
	close(w.exited)
}

// send gives the worker a message and returns where its answer arrives,
// or false when the worker is dead.
func (w *worker) send(m fleetMsg) (<-chan fleetMsg, bool) {
	ch := make(chan fleetMsg, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead {
		return nil, false
	}
	w.waiting[m.Conv+"/"+m.ID] = ch
	line, _ := json.Marshal(m)
	if _, err := fmt.Fprintf(w.stdin, "%s\n", line); err != nil {
		delete(w.waiting, m.Conv+"/"+m.ID)
		return nil, false
	}
	return ch, true
}

// deliver sends m to a random live worker — and, when twice, at the same
// time to another one — until a worker answers that it processed the
// message or found it processed already.
func (f *fleet) deliver(t *testing.T, rng *rand.Rand, m fleetMsg, twice bool) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var answers []<-chan fleetMsg
		for _, i := range rng.Perm(len(f.workers)) {
			if ch, ok := f.workers[i].send(m); ok {
				answers = append(answers, ch)
				if !twice || len(answers) == 2 {
					break
				}
			}
		}
		if len(answers) == 0 {
			t.Error("no worker is left")
			return
		}
		ok := false
		for _, ch := range answers {
			a := <-ch
			switch a.Outcome {
			case string(engine.OutcomeDuplicate):
				f.duplicates.Add(1)
				ok = true
			case string(engine.OutcomeProcessed):
				ok = true
			case "":
				// An error or a dead worker: the message goes to another.
			default:
				t.Errorf("%s %s: outcome %q", m.Conv, m.ID, a.Outcome)
				return
			}
		}
		if ok {
			return
		}
		f.resent.Add(1)
	}
	t.Errorf("%s %s: no worker processed it", m.Conv, m.ID)
}

// kill kills worker i at once, as a crash would.
func (f *fleet) kill(i int) {
	f.workers[i].cmd.Process.Kill()
	f.killed.Store(true)
}

// stop ends the live workers' input and waits for them to finish.
func (f *fleet) stop(t *testing.T) {
	for _, w := range f.workers {
		w.stdin.Close()
	}
	for _, w := range f.workers {
		<-w.exited
		if w.n > 1 && !w.cmd.ProcessState.Success() {
			t.Errorf("worker %d: %v\n%s", w.n, w.cmd.ProcessState, w.stderr.String())
		}
	}
}

// TestFleetWorker is a fleet worker when TestFleet starts this binary as
// one: it handles each message read from standard input in a goroutine of
// its own, and writes each outcome to standard output.
func TestFleetWorker(t *testing.T) {
	if os.Getenv(workerEnv) == "" {
		t.Skip("run by TestFleet")
	}
	db := openPostgres(t, os.Getenv(fleetPostgresEnv))
	stores := storesOn(db, nil)
	if url := os.Getenv(fleetRedisEnv); url != "" {
		stores = storesOn(db, openRedis(t, url, os.Getenv(fleetPrefixEnv)))
	}
	var hook atomic.Pointer[func()]
	if n, _ := strconv.Atoi(os.Getenv(fleetDieEnv)); n > 0 {
		var turns atomic.Int64
		die := func() {
			if turns.Add(1) == int64(n) {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal arrives before anything else runs
			}
		}
		hook.Store(&die)
	}
	e := loopEngine(t, stores, &hook)
	var (
		out sync.Mutex
		wg  sync.WaitGroup
	)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var m fleetMsg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := e.Handle(ctx, engine.Input{ConversationID: m.Conv, MessageID: m.ID, Text: m.Text})
			m.Text = ""
			if err != nil {
				m.Err = err.Error()
			} else {
				m.Outcome = string(r.Outcome)
			}
			line, _ := json.Marshal(m)
			out.Lock()
			fmt.Printf("FLEET %s\n", line)
			out.Unlock()
		})
	}
	wg.Wait()
}
