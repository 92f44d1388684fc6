package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/require"
)

// leadScript is the lead-qualifying conversation: the visitor starts,
// gives a name, a bad email, a good one, and picks a company size, after
// which the flow branches and sets properties. Each entry is one turn.
var leadScript = []engine.Input{
	{QuickReply: "yes"},
	{Text: "Ada"},
	{Text: "not an email"},
	{Text: "ada@example.com"},
	{QuickReply: "51-200"},
}

// leadWorld runs the lead script over many live conversations.
type leadWorld struct {
	e     *engine.Engine
	convs []leadConv
}

// leadMessageIDs are the message IDs of the script's turns: unique within
// a conversation, which is all the engine asks, and made once, so that the
// benchmark allocates nothing of its own for them and shares no counter
// between goroutines.
var leadMessageIDs = func() []string {
	ids := make([]string, len(leadScript))
	for i := range ids {
		ids[i] = "m" + strconv.Itoa(i)
	}
	return ids
}()

type leadConv struct {
	base, id string
	step     int
	gen      int
}

func newLeadWorld(b *testing.B, live int) *leadWorld {
	return newLeadWorldWith(b, live, engine.Config{})
}

// newLeadWorldWith is newLeadWorld with an engine configured as cfg, on
// memory stores unless cfg has stores.
func newLeadWorldWith(b *testing.B, live int, cfg engine.Config) *leadWorld {
	b.Helper()
	data, err := templates.JSON("qualify-leads")
	require.NoError(b, err)
	if cfg.Stores.Sessions == nil {
		cfg.Stores = memory.New()
	}
	e, err := engine.New(cfg) // default consent policy on
	require.NoError(b, err)
	f, err := e.Load(data)
	require.NoError(b, err)
	require.NoError(b, e.Publish(f))
	w := &leadWorld{e: e, convs: make([]leadConv, live)}
	ctx := context.Background()
	for i := range w.convs {
		c := &w.convs[i]
		c.base = "conv-" + strconv.Itoa(i)
		c.id = c.base
		_, err := e.Start(ctx, engine.StartRequest{ConversationID: c.id, FlowID: "qualify-leads"})
		require.NoError(b, err)
		// Spread the conversations over the script, so the live set holds
		// every stage (and idle ones cost what they cost).
		for j := 0; j < i%len(leadScript); j++ {
			w.turn(b, c)
		}
	}
	return w
}

// turn runs the conversation's next turn; a finished conversation starts
// over under a new ID, so the number of live conversations stays the same.
func (w *leadWorld) turn(b *testing.B, c *leadConv) {
	w.turnInto(b, c, nil)
}

// turnInto is turn with the reply written into r (HandleInto), or into a
// new Reply when r is nil (Handle).
func (w *leadWorld) turnInto(b *testing.B, c *leadConv, r *engine.Reply) {
	ctx := context.Background()
	if c.step == len(leadScript) {
		c.gen++
		c.step = 0
		c.id = c.base + "." + strconv.Itoa(c.gen)
		req := engine.StartRequest{ConversationID: c.id, FlowID: "qualify-leads"}
		var err error
		if r != nil {
			err = w.e.StartInto(ctx, req, r)
		} else {
			_, err = w.e.Start(ctx, req)
		}
		if err != nil {
			b.Fatal(err)
		}
		return
	}
	in := leadScript[c.step]
	if c.step == 3 {
		in.Text = c.id + "@example.com" // every visitor their own contact
	}
	in.ConversationID = c.id
	in.MessageID = leadMessageIDs[c.step]
	var err error
	if r != nil {
		err = w.e.HandleInto(ctx, in, r)
	} else {
		_, err = w.e.Handle(ctx, in)
	}
	if err != nil {
		b.Fatal(err)
	}
	c.step++
}

// heapPerConversation reports the live heap divided by the conversations,
// after the timed turns (so with the contacts and consent records the
// finished conversations left); world is what holds them, kept alive until
// the heap is measured.
func heapPerConversation(b *testing.B, live int, world any) {
	b.ReportMetric(heapBytes()/float64(live), "heapB/conv")
	runtime.KeepAlive(world)
}

// heapBytes is the live heap after a collection.
func heapBytes() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc)
}

// BenchmarkLeadConversation runs the lead script over many live
// conversations on memory stores with the default consent policy; one op
// is one turn. Budget (DESIGN.md): ≤ 4 µs and ≤ 15 allocations a turn at
// 200,000 live conversations, ≤ 1 KiB heap per idle conversation
// (idleHeapB/conv: measured before the timed turns, everything the
// conversations hold in the engine and the stores, the benchmark's own
// bookkeeping included).
func BenchmarkLeadConversation(b *testing.B) {
	for _, live := range []int{1_000, 20_000, 200_000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			w := newLeadWorld(b, live)
			idle := heapBytes() / float64(live)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.turn(b, &w.convs[i%live])
			}
			b.StopTimer()
			b.ReportMetric(idle, "idleHeapB/conv")
			heapPerConversation(b, live, w)
		})
	}
}

// BenchmarkLeadConversationInto is BenchmarkLeadConversation for a host
// that reuses one Reply for its turns (HandleInto, StartInto), as a host
// that sends each reply before it handles the next message can: the same
// budget.
func BenchmarkLeadConversationInto(b *testing.B) {
	for _, live := range []int{1_000, 200_000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			w := newLeadWorld(b, live)
			var r engine.Reply
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.turnInto(b, &w.convs[i%live], &r)
			}
			b.StopTimer()
			heapPerConversation(b, live, w)
		})
	}
}

// leadTurnKinds name the turns of the lead script in order: Start, then
// one per entry of leadScript.
var leadTurnKinds = []string{"start", "consent_yes", "name", "bad_email", "good_email", "company_size"}

// kind is the kind of the conversation's next turn, an index into
// leadTurnKinds.
func (c *leadConv) kind() int {
	if c.step == len(leadScript) {
		return 0
	}
	return c.step + 1
}

// bring runs every conversation's turns until its next turn is of kind k.
func (w *leadWorld) bring(b *testing.B, k int) {
	for i := range w.convs {
		for c := &w.convs[i]; c.kind() != k; {
			w.turn(b, c)
		}
	}
}

// BenchmarkLeadTurns is BenchmarkLeadConversation one kind of turn at a
// time, to show where a conversation's cost lies: the 200,000
// conversations are brought to the same point of the script (untimed),
// and each op is that turn of one of them. The turns that write to other
// stores (consent_yes records consent, good_email creates the contact and
// links its consent records, company_size sets properties) save the
// session twice and cost the most. Run it with -benchtime 200000x: a
// larger b.N brings all the conversations round the script again.
func BenchmarkLeadTurns(b *testing.B) {
	const live = 200_000
	w := &leadWorld{convs: make([]leadConv, live)}
	w.e = newLeadWorld(b, 0).e
	for i := range w.convs {
		c := &w.convs[i]
		c.base = "conv-" + strconv.Itoa(i)
		c.step = len(leadScript) // the next turn starts it
	}
	for k, name := range leadTurnKinds {
		b.Run(name, func(b *testing.B) {
			b.StopTimer()
			w.bring(b, k)
			b.ReportAllocs()
			b.ResetTimer()
			b.StartTimer()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%live == 0 {
					b.StopTimer()
					w.bring(b, k)
					b.StartTimer()
				}
				w.turn(b, &w.convs[i%live])
			}
		})
	}
}

// BenchmarkLeadConversationOmitEvents is BenchmarkLeadConversation at
// 200,000 conversations for a host that switched events off
// (Config.OmitEvents).
func BenchmarkLeadConversationOmitEvents(b *testing.B) {
	const live = 200_000
	w := newLeadWorldWith(b, live, engine.Config{OmitEvents: true})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.turn(b, &w.convs[i%live])
	}
	b.StopTimer()
	heapPerConversation(b, live, w)
}

// BenchmarkLeadConversationParallel runs the lead script on all cores over
// 20,000 conversations of one engine and one set of stores ("shared"), and
// the control: the same with an engine and stores per goroutine, which
// shows what the machine allows without any shared state. In both, each
// goroutine drives its own block of conversations with no bookkeeping
// shared with the others, so that the only difference is the engine and
// stores they share.
func BenchmarkLeadConversationParallel(b *testing.B) {
	const live = 20_000
	for _, into := range []bool{false, true} {
		suffix := ""
		if into {
			suffix = "_into" // each goroutine reuses one Reply (HandleInto)
		}
		b.Run("shared"+suffix, func(b *testing.B) {
			w := newLeadWorld(b, live)
			procs := runtime.GOMAXPROCS(0)
			var claimed atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := int(claimed.Add(1) - 1)
				block := w.convs[p*live/procs : (p+1)*live/procs]
				r := leadReply(into)
				for i := 0; pb.Next(); i++ {
					w.turnInto(b, &block[i%len(block)], r)
				}
			})
		})
		b.Run("control"+suffix, func(b *testing.B) {
			procs := runtime.GOMAXPROCS(0)
			worlds := make(chan *leadWorld, procs)
			for p := 0; p < procs; p++ {
				worlds <- newLeadWorld(b, live/procs)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := <-worlds
				r := leadReply(into)
				for i := 0; pb.Next(); i++ {
					w.turnInto(b, &w.convs[i%len(w.convs)], r)
				}
			})
		})
	}
}

// leadReply is the Reply a goroutine of the parallel benchmark reuses, or
// nil for a new one every turn.
func leadReply(into bool) *engine.Reply {
	if into {
		return new(engine.Reply)
	}
	return nil
}

// handState is the hand-written state machine's session, kept as JSON like
// a host without chatflow would.
type handState struct {
	Step      int               `json:"step"`
	Attempts  int               `json:"attempts,omitempty"`
	Props     map[string]string `json:"props,omitempty"`
	MessageID string            `json:"msg,omitempty"`
}

// handMachine is the lead script written by hand: the baseline a turn of
// the engine is compared with.
type handMachine struct {
	mu       sync.Mutex
	sessions map[string][]byte
	contacts map[string]map[string]string
}

// start creates the conversation's session and returns the welcome.
func (m *handMachine) start(id string) ([]string, error) {
	data, err := json.Marshal(&handState{})
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[id]; ok {
		return nil, fmt.Errorf("conversation %s exists", id)
	}
	m.sessions[id] = data
	return []string{"Hi! Can we store what you tell us to answer you?"}, nil
}

func (m *handMachine) turn(id, msgID, text string) ([]string, error) {
	m.mu.Lock()
	data := m.sessions[id]
	m.mu.Unlock()
	var st handState
	if data != nil {
		if err := json.Unmarshal(data, &st); err != nil {
			return nil, err
		}
	}
	if st.MessageID == msgID {
		return nil, nil
	}
	st.MessageID = msgID
	var out []string
	switch st.Step {
	case 0:
		out = append(out, "Great! What's your first name?")
		st.Step = 1
	case 1:
		st.Props = map[string]string{"firstname": strings.TrimSpace(text)}
		out = append(out, "Nice to meet you, "+st.Props["firstname"]+". What's your work email address?")
		st.Step = 2
	case 2:
		a, err := mail.ParseAddress(text)
		if err != nil || !strings.Contains(a.Address[strings.IndexByte(a.Address, '@'):], ".") {
			st.Attempts++
			out = append(out, "That doesn't look like an email address.")
			break
		}
		st.Props["email"] = a.Address
		out = append(out, "How many people work at your company?")
		st.Step = 3
	case 3:
		st.Props["company_size"] = text
		if text == "51-200" || text == "201+" {
			st.Props["lifecyclestage"] = "salesqualifiedlead"
		} else {
			st.Props["lifecyclestage"] = "lead"
		}
		m.mu.Lock()
		m.contacts[st.Props["email"]] = st.Props
		m.mu.Unlock()
		out = append(out, "Thanks, "+st.Props["firstname"]+"!")
		st.Step = 0
	}
	data, err := json.Marshal(&st)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.sessions[id] = data
	m.mu.Unlock()
	return out, nil
}

// BenchmarkLeadHandWritten is the same script as BenchmarkLeadConversation
// in a hand-written state machine with JSON state, driven the same way: a
// conversation starts (its session is created), runs the five turns with
// an email address of its own, which makes a contact of its own, and
// starts over under a new ID, so that sessions and contacts accumulate as
// the engine's do. One op is one of the six.
func BenchmarkLeadHandWritten(b *testing.B) {
	for _, live := range []int{1_000, 20_000, 200_000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			m := &handMachine{sessions: make(map[string][]byte, live), contacts: map[string]map[string]string{}}
			convs := make([]leadConv, live)
			for i := range convs {
				c := &convs[i]
				c.base = "conv-" + strconv.Itoa(i)
				c.step = len(leadScript) // the first op starts it
				for j := 0; j <= i%len(leadScript); j++ {
					m.step(b, c)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.step(b, &convs[i%live])
			}
			b.StopTimer()
			heapPerConversation(b, live, m)
		})
	}
}

// step is the conversation's next op, as leadWorld.turn has it.
func (m *handMachine) step(b *testing.B, c *leadConv) {
	if c.step == len(leadScript) {
		c.gen++
		c.step = 0
		c.id = c.base + "." + strconv.Itoa(c.gen)
		if _, err := m.start(c.id); err != nil {
			b.Fatal(err)
		}
		return
	}
	in := leadScript[c.step]
	text := in.Text + in.QuickReply
	if c.step == 3 {
		text = c.id + "@example.com" // every visitor their own contact
	}
	if _, err := m.turn(c.id, leadMessageIDs[c.step], text); err != nil {
		b.Fatal(err)
	}
	c.step++
}
