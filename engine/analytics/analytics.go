// Package analytics turns the engine's events into bot analytics (SPEC
// §11): per chatflow, per version and per time range, how many
// conversations started, engaged, completed, were handed off or abandoned,
// and for each action how often it was reached, completed, skipped or
// failed, how many answers it rejected and how many visitors dropped off
// there; plus the answers to the customer-satisfaction survey.
//
// A host feeds an Aggregator every reply it gets from the engine (Start,
// Handle, Consent, Feedback, and Sweep's replies, which carry the
// abandonments):
//
//	agg := analytics.New(analytics.Config{})
//	reply, err := eng.Handle(ctx, in)
//	…
//	agg.AddReply(reply)
//	…
//	report := agg.Report(analytics.Query{FlowID: "qualify-leads", Actions: flow.ActionNames()})
//	json.NewEncoder(w).Encode(report)       // or
//	analytics.WriteFunnelSVG(w, report)     // a picture a host can serve
//
// Every event names its flow version (action.Event.FlowID, FlowVersion),
// so the counts need no state per conversation: each event adds to the
// counts of its flow version and time bucket, and nothing else. That is
// what makes results mergeable: several processes each aggregate the
// replies they see, and Snapshot and Merge combine their partial results
// into one (counts add up). A redelivered message is answered without
// events (OutcomeDuplicate), so feeding every reply counts each event once.
//
// What is counted, by event type:
//
//   - started: conversation_started (a session that showed the welcome
//     message; a session restarted after a timeout counts again);
//   - engaged: conversation_engaged (the visitor's first message);
//   - completed: conversation_finished (a path reached its end);
//   - handed off: handed_off;
//   - abandoned: conversation_abandoned (engaged, then silent past the
//     session timeout; the event's action is the drop-off);
//   - errors: general_error (the bot stopped after a failure);
//   - closed: conversation_closed (the chatflow was switched off);
//   - per action: action_reached, action_completed, action_skipped,
//     action_failed, answer_rejected, and the drop-offs;
//   - survey: survey_answered (the rating, and whether a comment was left).
package analytics

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
)

// DefaultBucket is the width of the time buckets when Config.Bucket is 0.
const DefaultBucket = time.Hour

// ErrBucketMismatch is returned (wrapped) by Merge when the snapshot's
// buckets are not as wide as the aggregator's.
var ErrBucketMismatch = errors.New("analytics: bucket widths differ")

// Config configures an Aggregator. The zero value is valid: hourly buckets.
type Config struct {
	// Bucket is the width of the time buckets counts are kept in, and so
	// the precision of time ranges; 0 means DefaultBucket. Buckets start at
	// multiples of the width since the Unix epoch (in UTC).
	Bucket time.Duration
}

// Aggregator counts engine events by chatflow, version and time bucket. It
// is safe for concurrent use. The zero value is an empty aggregator with
// hourly buckets; New sets another width. Memory grows with the number of
// flow versions and buckets that have events, not with conversations.
type Aggregator struct {
	mu     sync.Mutex
	bucket time.Duration
	cells  map[cellKey]*Counts
}

// cellKey identifies the counts of one flow version in one bucket.
type cellKey struct {
	flow    string
	version int
	start   int64 // Unix seconds of the bucket's start
}

// New returns an empty aggregator.
func New(cfg Config) *Aggregator {
	return &Aggregator{bucket: cfg.Bucket}
}

func (a *Aggregator) width() time.Duration {
	if a.bucket <= 0 {
		return DefaultBucket
	}
	return a.bucket
}

// Counts are what happened in the conversations of a flow version over some
// time. The zero value is all zeros; Add adds another's counts to it.
type Counts struct {
	// Started counts sessions that showed the welcome message.
	Started int64 `json:"started"`
	// Engaged counts sessions in which the visitor wrote at least once.
	Engaged int64 `json:"engaged"`
	// Completed counts sessions that reached the end of a path.
	Completed int64 `json:"completed"`
	// HandedOff counts sessions handed to a person or an agent.
	HandedOff int64 `json:"handedOff"`
	// Abandoned counts engaged sessions the visitor left unfinished past
	// the session timeout.
	Abandoned int64 `json:"abandoned"`
	// Errors counts sessions the bot stopped after a failure.
	Errors int64 `json:"errors"`
	// Closed counts sessions ended because the chatflow was switched off.
	Closed int64 `json:"closed"`
	// Survey sums the customer-satisfaction survey's answers.
	Survey Survey `json:"survey"`
	// Actions are the counts per action name.
	Actions map[string]*ActionCounts `json:"actions,omitempty"`
}

// ActionCounts are what happened at one action. The zero value is all
// zeros.
type ActionCounts struct {
	// Type is the action's type, as its events named it.
	Type string `json:"type,omitempty"`
	// Reached counts runs of the action.
	Reached int64 `json:"reached"`
	// Completed counts runs that completed (a handover included).
	Completed int64 `json:"completed"`
	// Skipped counts runs that skipped (a known property, no contact…).
	Skipped int64 `json:"skipped"`
	// Failed counts runs that failed.
	Failed int64 `json:"failed"`
	// Rejected counts answers the action did not accept.
	Rejected int64 `json:"rejected"`
	// DropOff counts abandoned sessions that were waiting at the action.
	DropOff int64 `json:"dropOff"`
}

// Survey sums the answers to the customer-satisfaction survey. The zero
// value is no answers.
type Survey struct {
	// Responses counts answers.
	Responses int64 `json:"responses"`
	// RatingSum is the sum of the ratings.
	RatingSum int64 `json:"ratingSum"`
	// Ratings counts the answers per rating.
	Ratings map[int]int64 `json:"ratings,omitempty"`
	// Comments counts the answers with a comment.
	Comments int64 `json:"comments"`
}

// Average returns the mean rating, 0 without responses.
func (s Survey) Average() float64 {
	if s.Responses == 0 {
		return 0
	}
	return float64(s.RatingSum) / float64(s.Responses)
}

// Add adds o's counts to c.
func (c *Counts) Add(o *Counts) {
	c.Started += o.Started
	c.Engaged += o.Engaged
	c.Completed += o.Completed
	c.HandedOff += o.HandedOff
	c.Abandoned += o.Abandoned
	c.Errors += o.Errors
	c.Closed += o.Closed
	c.Survey.Responses += o.Survey.Responses
	c.Survey.RatingSum += o.Survey.RatingSum
	c.Survey.Comments += o.Survey.Comments
	for r, n := range o.Survey.Ratings {
		if c.Survey.Ratings == nil {
			c.Survey.Ratings = map[int]int64{}
		}
		c.Survey.Ratings[r] += n
	}
	for name, oa := range o.Actions {
		ca := c.action(name, oa.Type)
		ca.Reached += oa.Reached
		ca.Completed += oa.Completed
		ca.Skipped += oa.Skipped
		ca.Failed += oa.Failed
		ca.Rejected += oa.Rejected
		ca.DropOff += oa.DropOff
	}
}

// clone returns a deep copy of c.
func (c *Counts) clone() *Counts {
	out := new(Counts)
	out.Add(c)
	return out
}

// action returns the counts of the named action, created as needed.
func (c *Counts) action(name, typ string) *ActionCounts {
	if c.Actions == nil {
		c.Actions = map[string]*ActionCounts{}
	}
	ac := c.Actions[name]
	if ac == nil {
		ac = &ActionCounts{}
		c.Actions[name] = ac
	}
	if ac.Type == "" {
		ac.Type = typ
	}
	return ac
}

// AddReply adds the events of an engine reply; a nil reply adds nothing.
func (a *Aggregator) AddReply(r *engine.Reply) {
	if r != nil {
		a.Add(r.Events...)
	}
}

// Add counts events. Events without a FlowID (not stamped by an engine)
// and events of types it does not count are ignored.
func (a *Aggregator) Add(events ...action.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.width()
	for i := range events {
		ev := &events[i]
		if ev.FlowID == "" {
			continue
		}
		k := cellKey{ev.FlowID, ev.FlowVersion, ev.Time.UTC().Truncate(w).Unix()}
		c := a.cells[k]
		if c == nil {
			if !counted(ev.Type) {
				continue
			}
			if a.cells == nil {
				a.cells = map[cellKey]*Counts{}
			}
			c = new(Counts)
			a.cells[k] = c
		}
		count(c, ev)
	}
}

// counted reports whether Add counts events of the type.
func counted(t action.EventType) bool {
	switch t {
	case engine.EventConversationStarted, engine.EventConversationEngaged, engine.EventConversationFinished,
		engine.EventHandedOff, engine.EventConversationAbandoned, engine.EventGeneralError, engine.EventConversationClosed,
		engine.EventActionReached, engine.EventActionCompleted, engine.EventActionSkipped, engine.EventActionFailed,
		builtin.EventAnswerRejected, engine.EventSurveyAnswered:
		return true
	}
	return false
}

func count(c *Counts, ev *action.Event) {
	switch ev.Type {
	case engine.EventConversationStarted:
		c.Started++
	case engine.EventConversationEngaged:
		c.Engaged++
	case engine.EventConversationFinished:
		c.Completed++
	case engine.EventHandedOff:
		c.HandedOff++
	case engine.EventConversationAbandoned:
		c.Abandoned++
		if ev.Action != "" {
			c.action(ev.Action, ev.ActionType).DropOff++
		}
	case engine.EventGeneralError:
		c.Errors++
	case engine.EventConversationClosed:
		c.Closed++
	case engine.EventActionReached:
		c.action(ev.Action, ev.ActionType).Reached++
	case engine.EventActionCompleted:
		c.action(ev.Action, ev.ActionType).Completed++
	case engine.EventActionSkipped:
		c.action(ev.Action, ev.ActionType).Skipped++
	case engine.EventActionFailed:
		c.action(ev.Action, ev.ActionType).Failed++
	case builtin.EventAnswerRejected:
		c.action(ev.Action, ev.ActionType).Rejected++
	case engine.EventSurveyAnswered:
		r, err := strconv.Atoi(ev.Value)
		if err != nil {
			return
		}
		c.Survey.Responses++
		c.Survey.RatingSum += int64(r)
		if c.Survey.Ratings == nil {
			c.Survey.Ratings = map[int]int64{}
		}
		c.Survey.Ratings[r]++
		if ev.Reason == engine.ReasonSurveyComment {
			c.Survey.Comments++
		}
	}
}

// Query selects what a Report covers. The zero value is every flow and
// version at all times.
type Query struct {
	// FlowID is the chatflow; "" means all of them.
	FlowID string
	// Version is the flow version; 0 means all versions.
	Version int
	// From and To bound the time range: a bucket counts when it starts at
	// or after From and before To (so both are in effect rounded down to
	// bucket boundaries). A zero From or To leaves that side open.
	From, To time.Time
	// Actions orders the report's funnel: the flow's action names in flow
	// order (Flow.ActionNames). Actions with events that the list lacks
	// follow, by name; without a list the funnel is ordered by how often
	// each action was reached, most first.
	Actions []string
}

// Report is the answer to a Query.
type Report struct {
	// FlowID and Version echo the query ("" and 0: all).
	FlowID  string `json:"flowId,omitempty"`
	Version int    `json:"version,omitempty"`
	// From and To echo the query.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Counts are the totals over the selection; their Actions are nil,
	// since Funnel has them in order.
	Counts
	// Funnel lists the actions in order with their counts.
	Funnel []Step `json:"funnel"`
}

// Step is one action of a funnel.
type Step struct {
	// Action is the action name.
	Action string `json:"action"`
	ActionCounts
}

// Report sums the counts the query selects.
func (a *Aggregator) Report(q Query) Report {
	r := Report{FlowID: q.FlowID, Version: q.Version, From: q.From, To: q.To}
	a.mu.Lock()
	for k, c := range a.cells {
		if q.FlowID != "" && k.flow != q.FlowID || q.Version != 0 && k.version != q.Version {
			continue
		}
		if !q.From.IsZero() && k.start < q.From.Unix() || !q.To.IsZero() && k.start >= q.To.Unix() {
			continue
		}
		r.Counts.Add(c)
	}
	a.mu.Unlock()
	r.Funnel = funnel(r.Counts.Actions, q.Actions)
	r.Counts.Actions = nil
	return r
}

// funnel orders the actions' counts.
func funnel(actions map[string]*ActionCounts, order []string) []Step {
	steps := make([]Step, 0, len(actions))
	seen := map[string]bool{}
	for _, name := range order {
		if ac, ok := actions[name]; ok && !seen[name] {
			steps = append(steps, Step{name, *ac})
			seen[name] = true
		}
	}
	rest := slices.Sorted(maps.Keys(actions))
	if len(order) == 0 {
		slices.SortStableFunc(rest, func(x, y string) int { return int(actions[y].Reached - actions[x].Reached) })
	}
	for _, name := range rest {
		if !seen[name] {
			steps = append(steps, Step{name, *actions[name]})
		}
	}
	return steps
}

// Snapshot is an aggregator's partial result, for another aggregator to
// Merge (in another process: it encodes as JSON). The zero value is empty.
type Snapshot struct {
	// Bucket is the width of the buckets, as a Go duration string.
	Bucket string `json:"bucket"`
	// Cells are the counts per flow version and bucket.
	Cells []Cell `json:"cells"`
}

// Cell is the counts of one flow version in one time bucket.
type Cell struct {
	// FlowID and Version are the flow version counted.
	FlowID  string `json:"flowId"`
	Version int    `json:"version"`
	// Start is when the bucket starts (UTC).
	Start time.Time `json:"start"`
	// Counts are the bucket's counts.
	Counts Counts `json:"counts"`
}

// Snapshot returns a copy of everything counted, ordered by flow, version
// and time.
func (a *Aggregator) Snapshot() Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := Snapshot{Bucket: a.width().String(), Cells: make([]Cell, 0, len(a.cells))}
	for k, c := range a.cells {
		s.Cells = append(s.Cells, Cell{FlowID: k.flow, Version: k.version, Start: time.Unix(k.start, 0).UTC(), Counts: *c.clone()})
	}
	slices.SortFunc(s.Cells, func(x, y Cell) int {
		if c := strings.Compare(x.FlowID, y.FlowID); c != 0 {
			return c
		}
		if x.Version != y.Version {
			return x.Version - y.Version
		}
		return x.Start.Compare(y.Start)
	})
	return s
}

// Merge adds a snapshot's counts, such as another process's, to the
// aggregator. The snapshot's buckets must be as wide as the aggregator's;
// otherwise Merge changes nothing and returns an error matching
// ErrBucketMismatch.
func (a *Aggregator) Merge(s Snapshot) error {
	w := a.width()
	if s.Bucket != w.String() {
		return fmt.Errorf("%w: snapshot %q, aggregator %q", ErrBucketMismatch, s.Bucket, w)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range s.Cells {
		cell := &s.Cells[i]
		k := cellKey{cell.FlowID, cell.Version, cell.Start.UTC().Truncate(w).Unix()}
		c := a.cells[k]
		if c == nil {
			if a.cells == nil {
				a.cells = map[cellKey]*Counts{}
			}
			c = new(Counts)
			a.cells[k] = c
		}
		c.Add(&cell.Counts)
	}
	return nil
}
