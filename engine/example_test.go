package engine_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/store/memory"
)

const exampleFlow = `{
  "id": "hello", "version": 1,
  "welcome": {"message": ["Hi! Say anything to start."]},
  "actions": [
    {"name": "ask_name", "type": "ask_question",
     "settings": {"message": ["What's your name?"], "property": "firstname"}},
    {"name": "greet", "type": "send_message",
     "settings": {"message": ["Nice to meet you, {{ contact.firstname }}!"]}}
  ]
}`

// A host loads and publishes a flow, starts a conversation and passes each
// visitor message to Handle.
func Example() {
	ctx := context.Background()
	eng, err := engine.New(engine.Config{Stores: memory.New()})
	if err != nil {
		panic(err)
	}
	flow, err := eng.Load([]byte(exampleFlow))
	if err != nil {
		panic(err)
	}
	if err := eng.Publish(flow); err != nil {
		panic(err)
	}

	reply, _ := eng.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "hello"})
	fmt.Println(reply.Texts(), reply.Status)
	reply, _ = eng.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m1", Text: "hello"})
	fmt.Println(reply.Texts(), reply.Status, reply.Awaiting)
	reply, _ = eng.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m2", Text: "Ada"})
	fmt.Println(reply.Texts(), reply.Status)
	// Output:
	// [Hi! Say anything to start.] welcome
	// [What's your name?] active ask_name
	// [Nice to meet you, Ada!] finished
}

// Load reports every problem in a flow with its JSON path and action name.
func ExampleEngine_Load() {
	eng, _ := engine.New(engine.Config{Stores: memory.New()})
	_, err := eng.Load([]byte(`{
	  "id": "broken", "version": 1,
	  "welcome": {"message": ["hi"]},
	  "actions": [
	    {"name": "ask", "type": "ask_question", "settings": {"message": ["?"]},
	     "branches": [{"if": "answer = \"yes\"", "then": "yes"}]},
	    {"name": "ask", "type": "send_mesage"}
	  ]}`))
	for _, p := range condition.Problems(err) {
		fmt.Println(p.Path, "|", p.Action)
	}
	fmt.Println(errors.Is(err, engine.ErrDuplicateAction), errors.Is(err, engine.ErrUnknownActionType))
	// Output:
	// actions[0].branches[0].if | ask
	// actions[1].name | ask
	// actions[1].type | ask
	// actions[0].branches[0].then | ask
	// true true
}

// A message for a conversation whose bot part is over is not an error: the
// reply's outcome tells the host to route it to its inbox.
func ExampleEngine_Handle_over() {
	ctx := context.Background()
	eng, _ := engine.New(engine.Config{Stores: memory.New()})
	flow, _ := eng.Load([]byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},
	  "actions":[{"name":"bye","type":"send_message","settings":{"message":["bye"]}}]}`))
	_ = eng.Publish(flow)
	_, _ = eng.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "f"})
	_, _ = eng.Handle(ctx, engine.Input{ConversationID: "c1", Text: "hi"})
	reply, err := eng.Handle(ctx, engine.Input{ConversationID: "c1", Text: "anyone?"})
	fmt.Println(reply.Status, reply.Outcome, err)
	// Output: finished conversation_over <nil>
}

// A host that handles many conversations keeps one Reply per worker and
// lets each turn write into it, once it has sent the previous reply.
func ExampleEngine_HandleInto() {
	ctx := context.Background()
	eng, _ := engine.New(engine.Config{Stores: memory.New()})
	flow, _ := eng.Load([]byte(exampleFlow))
	_ = eng.Publish(flow)

	var reply engine.Reply // reused by every call below
	send := func() { fmt.Println(reply.Texts(), reply.Status) }
	if err := eng.StartInto(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "hello"}, &reply); err != nil {
		panic(err)
	}
	send()
	for i, text := range []string{"hello", "Ada"} {
		in := engine.Input{ConversationID: "c1", MessageID: fmt.Sprint("m", i), Text: text}
		if err := eng.HandleInto(ctx, in, &reply); err != nil {
			panic(err)
		}
		send()
	}
	// Output:
	// [Hi! Say anything to start.] welcome
	// [What's your name?] active
	// [Nice to meet you, Ada!] finished
}
