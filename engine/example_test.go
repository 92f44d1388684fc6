package engine_test

import (
	"context"
	"errors"
	"fmt"

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
	contacts := memory.NewContacts()
	eng, err := engine.New(engine.Config{Contacts: contacts, Companies: contacts, Sessions: memory.NewSessions(), ConsentRecords: memory.NewConsentRecords()})
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
func ExampleLoad() {
	_, err := engine.Load([]byte(`{
	  "id": "broken", "version": 1,
	  "welcome": {"message": ["hi"]},
	  "actions": [
	    {"name": "ask", "type": "ask_question", "settings": {"message": ["?"]},
	     "branches": [{"if": "answer = \"yes\"", "then": "yes"}]},
	    {"name": "ask", "type": "send_mesage"}
	  ]}`), engine.LoadOptions{})
	for _, p := range engine.Problems(err) {
		fmt.Println(p.Path, "|", p.Action)
	}
	fmt.Println(errors.Is(err, engine.ErrDuplicateAction), errors.Is(err, engine.ErrUnknownActionType))
	// Output:
	// actions[0].branches[0].if | ask
	// actions[1].name | ask
	// actions[1].type | ask
	// true true
}

// A message for a conversation whose bot part is over returns its status
// and ErrConversationOver, so the host can route it to its inbox.
func ExampleEngine_Handle_over() {
	ctx := context.Background()
	eng, _ := engine.New(engine.Config{Contacts: memory.NewContacts(), Sessions: memory.NewSessions(), ConsentRecords: memory.NewConsentRecords()})
	flow, _ := eng.Load([]byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},
	  "actions":[{"name":"bye","type":"send_message","settings":{"message":["bye"]}}]}`))
	_ = eng.Publish(flow)
	_, _ = eng.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "f"})
	_, _ = eng.Handle(ctx, engine.Input{ConversationID: "c1", Text: "hi"})
	reply, err := eng.Handle(ctx, engine.Input{ConversationID: "c1", Text: "anyone?"})
	fmt.Println(reply.Status, errors.Is(err, engine.ErrConversationOver))
	// Output: finished true
}
