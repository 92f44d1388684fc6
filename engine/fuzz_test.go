package engine_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/targeting/availability"
)

// FuzzLoad loads arbitrary bytes as a flow. Loading must never panic; a
// flow that does not load fails with ErrInvalidFlow and *condition.Error
// problems; a flow that loads encodes to JSON that loads again and
// encodes the same (the stored form of a flow is stable), with the same
// warnings.
func FuzzLoad(f *testing.F) {
	for _, name := range templates.Names() {
		data, err := templates.JSON(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[{"name":"ask","type":"ask_question","settings":{"message":["q?"]}}]}`,
		`{"id":"f","version":1,"welcome":{"message":["Hi {{ contact.firstname | default(\"there\") }}"],"quickReplies":[{"value":"v","next":"b"}]},"options":{"maxActionsPerTurn":2,"sessionTimeout":"1h"},"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]},"branches":[{"if":"answer == \"x\"","then":"b"}]},{"name":"b","type":"ask_question","settings":{"message":["q"],"property":"email"},"onFailure":"a"}]}`,
		`{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}},{"name":"b","type":"send_message","settings":{"message":["y"]},"next":"a"}]}`,
		`{"id":"f","version":"1"}`,
		`[1,2]`,
	} {
		f.Add([]byte(s))
	}
	e, err := engine.New(engine.Config{Stores: memory.New(), Ports: builtin.Ports{
		Directory: availability.NewMemory(), Agents: memory.NewAgents(true), Snippets: map[string]builtin.Snippet{}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := e.Load(data)
		if err != nil {
			if fl != nil {
				t.Fatal("both a flow and an error")
			}
			if !errors.Is(err, engine.ErrInvalidFlow) {
				t.Fatalf("error %v does not match ErrInvalidFlow", err)
			}
			if len(condition.Problems(err)) == 0 {
				t.Fatalf("error %v lists no problems", err)
			}
			return
		}
		first, err := json.Marshal(fl)
		if err != nil {
			t.Fatalf("a loaded flow does not encode: %v", err)
		}
		again, err := e.Load(first)
		if err != nil {
			t.Fatalf("%s\nloads, but its encoding\n%s\ndoes not: %v", data, first, err)
		}
		second, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("encodings differ:\n%s\n%s", first, second)
		}
		if len(fl.Warnings()) != len(again.Warnings()) {
			t.Fatalf("warnings differ: %v, then %v", fl.Warnings(), again.Warnings())
		}
	})
}
