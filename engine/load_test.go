package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flowWith returns a minimal valid flow with the given actions JSON.
func flowWith(actions string) []byte {
	return []byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":` + actions + `}`)
}

func TestLoadErrors(t *testing.T) {
	okAsk := `{"name":"ask","type":"ask_question","settings":{"message":["q?"]}}`
	tests := []struct {
		name     string
		flow     string
		path     string
		action   string
		sentinel error
		msg      string
	}{
		{name: "malformed", flow: `{"id":"f",}`, msg: "malformed JSON at line 1, column 11"},
		{name: "truncated", flow: `{"id":"f","version":1,"welcome":{"message":["hi"]`, msg: "unexpected end"},
		{name: "not an object", flow: `[1,2]`, msg: "cannot use a JSON array"},
		{name: "trailing data", flow: string(flowWith(`[`+okAsk+`]`)) + `{}`, msg: "unexpected data"},
		{name: "unknown top-level field", flow: `{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[` + okAsk + `],"colour":"red"}`, path: "colour", msg: `unknown field "colour"`},
		{name: "unknown nested field", flow: `{"id":"f","version":1,"welcome":{"message":["hi"],"qr":[]},"actions":[` + okAsk + `]}`, path: "welcome.qr", msg: `unknown field "qr"`},
		{name: "unknown action field", flow: string(flowWith(`[` + okAsk + `,{"name":"b","type":"send_message","settings":{"message":["x"]},"branch":[]}]`)), path: "actions[1].branch"},
		{name: "unknown settings field", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["q"],"propery":"email"}}]`)), path: "actions[0].settings.propery", action: "a"},
		{name: "unknown quick reply field", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["q"],"quickReplies":[{"value":"x"},{"value":"y","lable":"Y"}]}}]`)), path: "actions[0].settings.quickReplies[1].lable", action: "a"},
		{name: "wrong type", flow: `{"id":"f","version":"1","welcome":{"message":["hi"]},"actions":[` + okAsk + `]}`, path: "version", msg: "cannot use a JSON string"},
		{name: "missing id", flow: `{"version":1,"welcome":{"message":["hi"]},"actions":[` + okAsk + `]}`, path: "id"},
		{name: "no actions", flow: `{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[]}`, path: "actions"},
		{name: "unknown action type", flow: string(flowWith(`[{"name":"a","type":"teleport"}]`)), path: "actions[0].type", action: "a", sentinel: engine.ErrUnknownActionType},
		{name: "missing action name", flow: string(flowWith(`[{"type":"send_message","settings":{"message":["x"]}}]`)), path: "actions[0].name"},
		{name: "duplicate action name", flow: string(flowWith(`[` + okAsk + `,` + okAsk + `]`)), path: "actions[1].name", action: "ask", sentinel: engine.ErrDuplicateAction},
		{name: "reserved name", flow: string(flowWith(`[{"name":"welcome","type":"send_message","settings":{"message":["x"]}}]`)), path: "actions[0].name"},
		{name: "dangling next", flow: string(flowWith(`[{"name":"a","type":"send_message","settings":{"message":["x"]},"next":"nowhere"}]`)), path: "actions[0].next", action: "a", sentinel: engine.ErrDanglingReference},
		{name: "dangling branch", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["x"]},"branches":[{"if":"true","then":"b"}]}]`)), path: "actions[0].branches[0].then", sentinel: engine.ErrDanglingReference},
		{name: "dangling quick reply", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["x"],"quickReplies":[{"value":"v","next":"zz"}]}}]`)), path: "actions[0].settings.quickReplies[0].next", sentinel: engine.ErrDanglingReference},
		{name: "dangling welcome quick reply", flow: `{"id":"f","version":1,"welcome":{"message":["hi"],"quickReplies":[{"value":"v","next":"zz"}]},"actions":[` + okAsk + `]}`, path: "welcome.quickReplies[0].next", sentinel: engine.ErrDanglingReference},
		{name: "dangling failure", flow: string(flowWith(`[{"name":"a","type":"send_message","settings":{"message":["x"]},"onFailure":"zz"}]`)), path: "actions[0].onFailure", sentinel: engine.ErrDanglingReference},
		{name: "CEL syntax error", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["x"]},"branches":[{"if":"answer ==","then":"a"}]}]`)), path: "actions[0].branches[0].if", action: "a", sentinel: condition.ErrSyntax},
		{name: "CEL undeclared", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["x"]},"branches":[{"if":"anser == \"x\"","then":"a"}]}]`)), path: "actions[0].branches[0].if", sentinel: engine.ErrCondition, msg: "anser"},
		{name: "CEL not boolean", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["x"]},"branches":[{"if":"answer","then":"a"}]}]`)), path: "actions[0].branches[0].if", sentinel: condition.ErrNotBoolean},
		{name: "bad template", flow: string(flowWith(`[{"name":"a","type":"send_message","settings":{"message":["Hi {{ contact.firstname "]}}]`)), path: "actions[0].settings.message[0]", action: "a"},
		{name: "empty message", flow: string(flowWith(`[{"name":"a","type":"send_message","settings":{"message":[]}}]`)), path: "actions[0].settings.message"},
		{name: "bad bubble type", flow: string(flowWith(`[{"name":"a","type":"send_message","settings":{"message":[{"type":"gif","url":"x"}]}}]`)), path: "actions[0].settings.message[0].type"},
		{name: "free text off without quick replies", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["q"],"disableFreeText":true}}]`)), path: "actions[0].settings.disableFreeText"},
		{name: "loop without waiting", flow: string(flowWith(`[{"name":"a","type":"send_message","settings":{"message":["x"]}},{"name":"b","type":"send_message","settings":{"message":["y"]},"next":"a"}]`)), sentinel: engine.ErrLoop, msg: "a → b → a"},
		{name: "loop through a skippable question", flow: string(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["x"],"property":"email","skipIfKnown":true}},{"name":"b","type":"send_message","settings":{"message":["y"]},"next":"a"}]`)), sentinel: engine.ErrLoop},
		{name: "bad phone region", flow: `{"id":"f","version":1,"welcome":{"message":["hi"]},"options":{"phoneRegion":"nl"},"actions":[` + okAsk + `]}`, path: "options.phoneRegion"},
		{name: "bad duration", flow: `{"id":"f","version":1,"welcome":{"message":["hi"]},"options":{"sessionTimeout":"soon"},"actions":[` + okAsk + `]}`, path: "options.sessionTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := loadFlow([]byte(tt.flow))
			require.Error(t, err)
			assert.Nil(t, f)
			assert.ErrorIs(t, err, engine.ErrInvalidFlow)
			var le *condition.Error
			require.ErrorAs(t, err, &le, "%v", err)
			if tt.path != "" {
				paths := []string{}
				for _, p := range condition.Problems(err) {
					paths = append(paths, p.Path)
				}
				assert.Contains(t, paths, tt.path, "%v", err)
			}
			if tt.action != "" {
				assert.Equal(t, tt.action, le.Action)
			}
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			}
			if tt.msg != "" {
				assert.Contains(t, err.Error(), tt.msg)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := loadFlow(flowWith(`[
		{"name":"a","type":"nope"},
		{"name":"a","type":"send_message","settings":{"message":["x"]}},
		{"name":"c","type":"ask_question","settings":{"message":["x"]},"branches":[{"if":"1","then":"c"}]}]`))
	require.Error(t, err)
	assert.Len(t, condition.Problems(err), 3, "%v", err)
}

func TestConditionErrorHasPosition(t *testing.T) {
	_, err := loadFlow(flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["x"]},"branches":[{"if":"answer == \"x\" && contact.age >","then":"a"}]}]`))
	var ce *condition.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1, ce.Line)
	assert.Greater(t, ce.Column, 20)
}

func TestDisconnectedActionsAreWarnings(t *testing.T) {
	f, err := loadFlow(flowWith(`[
		{"name":"a","type":"send_message","settings":{"message":["x"]},"end":true},
		{"name":"orphan","type":"send_message","settings":{"message":["y"]}}]`))
	require.NoError(t, err)
	w := f.Warnings()
	require.Len(t, w, 1)
	assert.Equal(t, "orphan", w[0].Action)
	assert.ErrorIs(t, w[0], engine.ErrUnreachable)
}

func TestFindAndReferences(t *testing.T) {
	f, err := loadFlow(mustTemplate(t, "qualify-leads"))
	require.NoError(t, err)
	assert.Equal(t, []string{"ask_name", "ask_email", "ask_size"}, f.FindActions("ASK"))
	assert.Equal(t, []string{"actions[1].onFailure"}, f.ReferencesTo("no_email"))
	assert.Equal(t, []string{"actions[2].branches[0].then"}, f.ReferencesTo("mark_sales_lead"))
}

func TestMarshalIsStable(t *testing.T) {
	for _, name := range templates.Names() {
		t.Run(name, func(t *testing.T) {
			f1, err := loadFlow(mustTemplate(t, name))
			require.NoError(t, err)
			b1, err := json.Marshal(f1)
			require.NoError(t, err)
			f2, err := loadFlow(b1)
			require.NoError(t, err)
			b2, err := json.Marshal(f2)
			require.NoError(t, err)
			assert.JSONEq(t, string(b1), string(b2))
			assert.Equal(t, string(b1), string(b2))
		})
	}
}

// countAction is a host-defined action type. Its messages sit at several
// depths of its settings, none of which it compiles itself.
type countAction struct {
	By      int             `json:"by"`
	Message action.Messages `json:"message"`
	Extra   struct {
		Notes []action.Messages `json:"notes"`
	} `json:"extra"`
	Named map[string]*countReply `json:"named"`
}

type countReply struct {
	Text action.Messages `json:"text"`
}

func (a *countAction) Run(_ context.Context, t action.Turn) (action.Result, error) {
	t.Say(a.Message)
	for _, n := range a.Extra.Notes {
		t.Say(n)
	}
	if r := a.Named["x"]; r != nil {
		t.Say(r.Text)
	}
	t.Say(action.Messages{{Text: fmt.Sprintf("counted %d {{ answer }}", a.By)}}) // built at run time: said as is
	return action.Result{Status: action.Done}, nil
}

func TestHostActionTypes(t *testing.T) {
	count := action.Type{Name: "count", New: func() action.Action { return new(countAction) }}
	flow := flowWith(`[{"name":"c","type":"count","settings":{"by":3,
		"message":["Hi {{ answers.welcome | default(\"there\") }}"],
		"extra":{"notes":[["note {{ 1 + 1 }}"]]},
		"named":{"x":{"text":["named {{ \"x\" }}"]}}}}]`)
	_, err := loadFlow(flow)
	assert.ErrorIs(t, err, engine.ErrUnknownActionType, "not a built-in type")

	h := enginetest.NewWith(t, engine.Config{Actions: []action.Type{count}}, flow)
	assert.Equal(t, []string{"c"}, h.Flow.ActionNames())
	h.Start("c1").Says("hi").ExpectBot("Hi there", "note 2", "named x", "counted 3 {{ answer }}")

	e, err := engine.New(withMemory(engine.Config{Actions: []action.Type{count}}))
	require.NoError(t, err)
	_, err = e.Load(flowWith(`[{"name":"c","type":"count","settings":{"by":"x"}}]`))
	assert.ErrorContains(t, err, "actions[0].settings.by")
	_, err = e.Load(flowWith(`[{"name":"c","type":"count","settings":{"extra":{"notes":[["ok"],["{{ nope }}"]]}}}]`))
	probs := condition.Problems(err)
	if assert.Len(t, probs, 1, "%v", err) {
		assert.Equal(t, "actions[0].settings.extra.notes[1][0]", probs[0].Path)
		assert.Equal(t, "c", probs[0].Action)
		assert.ErrorIs(t, probs[0], condition.ErrType)
	}

	_, err = engine.New(withMemory(engine.Config{Actions: []action.Type{{Name: "send_message", New: count.New}}}))
	assert.ErrorIs(t, err, engine.ErrInvalidConfig, "a host type cannot replace a built-in")
}

func mustTemplate(t testing.TB, name string) []byte {
	t.Helper()
	b, err := templates.JSON(name)
	require.NoError(t, err)
	return b
}

// TestExampleFlowsMatchSchema validates every example flow and fixture
// against the documented JSON Schema.
func TestExampleFlowsMatchSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("..", "docs", "flow.schema.json"))
	require.NoError(t, err)
	var flows = map[string][]byte{}
	for _, name := range templates.Names() {
		flows["template "+name] = mustTemplate(t, name)
	}
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "actions", "*.json"))
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		var fx struct {
			Flow json.RawMessage `json:"flow"`
		}
		require.NoError(t, json.Unmarshal(b, &fx))
		flows[p] = fx.Flow
	}
	flowFiles, _ := filepath.Glob(filepath.Join("testdata", "flows", "*.json"))
	for _, p := range flowFiles {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		flows[p] = b
	}
	require.NotEmpty(t, flows)
	for name, b := range flows {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		require.NoError(t, err, name)
		assert.NoError(t, sch.Validate(inst), name)
	}
	// The schema is not a rubber stamp.
	bad, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"id":"x","version":1,"welcome":{"message":["hi"]},"actions":[{"name":"a","type":"ask_question","settings":{"mesage":["x"]}}]}`))
	require.NoError(t, err)
	assert.Error(t, sch.Validate(bad))
}

func TestTargetingAndDisplaySections(t *testing.T) {
	ok := `{"id":"f","version":1,"welcome":{"message":["hi"]},
		"targeting":{"pageRules":[{"operator":"begins_with","value":"/pricing"}],"exclusionRules":[{"type":"device","operator":"is","value":"mobile"}]},
		"display":{"desktopBehavior":"open_chat","triggers":{"timeOnPageSeconds":20}},
		"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`
	f, err := loadFlow([]byte(ok))
	require.NoError(t, err)
	require.NotNil(t, f.Targeting())
	require.NotNil(t, f.Display())
	assert.Equal(t, 20, f.Display().Triggers.TimeOnPageSeconds)

	bad := strings.NewReplacer(`"value":"/pricing"`, `"value":"(unclosed"`, `"begins_with"`, `"matches_regex"`).Replace(ok)
	_, err = loadFlow([]byte(bad))
	require.Error(t, err)
	assert.Equal(t, "targeting.pageRules[0].value", condition.Problems(err)[0].Path, "%v", err)

	_, err = loadFlow([]byte(strings.Replace(ok, `"pageRules"`, `"pageRulez"`, 1)))
	assert.ErrorContains(t, err, "targeting.pageRulez")
}

// Linking runs after other problems too: a dangling reference is reported
// alongside an unknown type and a bad setting, each with its own path.
func TestLoadReportsLinkingProblemsAfterOthers(t *testing.T) {
	_, err := loadFlow(flowWith(`[
		{"name":"a","type":"nope","next":"ghost"},
		{"name":"b","type":"send_message","settings":{"message":[]},"onFailure":"phantom"}]`))
	require.ErrorIs(t, err, engine.ErrInvalidFlow)
	var paths []string
	for _, p := range condition.Problems(err) {
		paths = append(paths, p.Path)
	}
	assert.ElementsMatch(t, []string{"actions[0].type", "actions[1].settings.message", "actions[0].next", "actions[1].onFailure"}, paths)
	assert.ErrorIs(t, err, engine.ErrDanglingReference)
	assert.ErrorIs(t, err, engine.ErrUnknownActionType)
}

// A flow is bound to the engine that loaded it: its actions use that
// engine's stores.
func TestPublishRefusesAFlowOfAnotherEngine(t *testing.T) {
	f, err := loadFlow(flowWith(`[{"name":"a","type":"send_message","settings":{"message":["x"]}}]`))
	require.NoError(t, err)
	e, err := engine.New(withMemory(engine.Config{}))
	require.NoError(t, err)
	assert.ErrorIs(t, e.Publish(f), engine.ErrInvalidFlow)
}
