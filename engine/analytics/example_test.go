package analytics_test

import (
	"context"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/analytics"
	"github.com/chatflow/chatflow/store/memory"
)

// A host feeds every reply to an aggregator, sweeps now and then, and asks
// for a report.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	eng, _ := engine.New(engine.Config{Stores: memory.New(), Clock: func() time.Time { return now }})
	flow, _ := eng.Load([]byte(`{"id": "hello", "version": 1, "welcome": {"message": ["Hi!"]},
	 "actions": [{"name": "ask_name", "type": "ask_question", "settings": {"message": ["Name?"]}},
	             {"name": "bye", "type": "send_message", "settings": {"message": ["Bye"]}}]}`))
	_ = eng.Publish(flow)

	agg := analytics.New(analytics.Config{})
	for _, id := range []string{"a", "b"} {
		r, _ := eng.Start(ctx, engine.StartRequest{ConversationID: id, FlowID: "hello"})
		agg.AddReply(r)
		r, _ = eng.Handle(ctx, engine.Input{ConversationID: id, MessageID: id + "1", Text: "hi"})
		agg.AddReply(r)
	}
	r, _ := eng.Handle(ctx, engine.Input{ConversationID: "a", MessageID: "a2", Text: "Ada"})
	agg.AddReply(r)

	// "b" never answers: an hour later the sweep ends it as abandoned.
	res, _ := eng.Sweep(ctx, engine.SweepRequest{Now: now.Add(time.Hour)})
	for _, r := range res.Replies {
		agg.AddReply(r)
	}

	rep := agg.Report(analytics.Query{FlowID: "hello", Actions: flow.ActionNames()})
	fmt.Printf("started %d, engaged %d, completed %d, abandoned %d\n", rep.Started, rep.Engaged, rep.Completed, rep.Abandoned)
	for _, s := range rep.Funnel {
		fmt.Printf("%s: reached %d, completed %d, dropped off %d\n", s.Action, s.Reached, s.Completed, s.DropOff)
	}
	// Output:
	// started 2, engaged 2, completed 1, abandoned 1
	// ask_name: reached 2, completed 1, dropped off 1
	// bye: reached 1, completed 1, dropped off 0
}
