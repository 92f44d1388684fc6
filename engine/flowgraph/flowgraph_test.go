package flowgraph_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/flowgraph"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// load loads a flow on the templates' sandbox, which has every store and
// port the templates need.
func load(t *testing.T, data []byte) *engine.Flow {
	t.Helper()
	eng, err := engine.New(templates.NewSandbox().Config())
	require.NoError(t, err)
	f, err := eng.Load(data)
	require.NoError(t, err)
	return f
}

func template(t *testing.T, name string) *engine.Flow {
	t.Helper()
	data, err := templates.JSON(name)
	require.NoError(t, err)
	return load(t, data)
}

// TestMermaidGolden pins the Mermaid text of every template; run with
// -update to rewrite testdata/<template>.mmd after a deliberate change.
func TestMermaidGolden(t *testing.T) {
	for _, name := range templates.Names() {
		t.Run(name, func(t *testing.T) {
			got := flowgraph.New(template(t, name)).Mermaid()
			path := filepath.Join("testdata", name+".mmd")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create the golden file")
			assert.Equal(t, string(want), got)
		})
	}
}

func TestEdgesOfQualifyLeads(t *testing.T) {
	g := flowgraph.New(template(t, "qualify-leads"))
	type edge struct {
		from, to string
		kind     flowgraph.EdgeKind
		label    string
	}
	var got []edge
	names := map[string]string{}
	for _, n := range g.Nodes {
		names[n.ID] = n.Label()
	}
	for _, e := range g.Edges {
		got = append(got, edge{names[e.From], names[e.To], e.Kind, e.Label})
	}
	assert.Contains(t, got, edge{"welcome", "ask_name", flowgraph.NextEdge, ""})
	assert.Contains(t, got, edge{"ask_email", "no_email", flowgraph.FailureEdge, "on failure"})
	assert.Contains(t, got, edge{"ask_size", "mark_sales_lead", flowgraph.BranchEdge, `if answer in ["51-200", "201+"]`})
	assert.Contains(t, got, edge{"ask_size", "mark_lead", flowgraph.NextEdge, "else"})
	assert.Contains(t, got, edge{"tell_sales", "end", flowgraph.NextEdge, ""})
	assert.NotContains(t, got, edge{"tell_sales", "mark_lead", flowgraph.NextEdge, ""}, "end: true stops the default way")
}

func TestQuickRepliesAndHandoffs(t *testing.T) {
	g := flowgraph.New(template(t, "concierge"))
	labels := map[string]string{}
	kinds := map[string]flowgraph.NodeKind{}
	for _, n := range g.Nodes {
		labels[n.ID], kinds[n.Label()] = n.Label(), n.Kind
	}
	var qr []string
	for _, e := range g.Edges {
		if e.Kind == flowgraph.QuickReplyEdge {
			qr = append(qr, labels[e.From]+" —"+e.Label+"→ "+labels[e.To])
		}
		assert.NotEqual(t, "to_team", labels[e.From], "nothing follows a handoff by default")
	}
	assert.Equal(t, []string{
		"welcome —Find an answer→ kb_search",
		"welcome —Talk to the team→ check_team",
		"welcome —Book a meeting→ ask_email",
		"helped —No, talk to the team→ check_team",
	}, qr)
	assert.Equal(t, flowgraph.HandoffNode, kinds["to_team"])
}

// hostile has names, conditions and labels that would break Mermaid or
// SVG if they were not escaped.
const hostile = `{
  "id": "x", "version": 1, "name": "<script>alert(1)</script> & co",
  "welcome": {"message": ["hi"], "quickReplies": [{"value": "q", "label": "a \"quoted\" <b>|label|</b> #1", "next": "ask"}]},
  "actions": [
    {"name": "ask\"]-->evil[\"", "type": "ask_question",
     "settings": {"message": ["Name?"], "property": "firstname"},
     "branches": [{"if": "answer == \"<&>\" || answer.size() > 3", "then": "done <b>"}]},
    {"name": "done <b>", "type": "send_message", "settings": {"message": ["bye"]}, "end": true}
  ]
}`

func TestEscaping(t *testing.T) {
	data := strings.ReplaceAll(hostile, `"next": "ask"`, `"next": "ask\"]-->evil[\""`)
	g := flowgraph.New(load(t, []byte(data)))
	m := g.Mermaid()
	assert.NotContains(t, m, "<b>")
	assert.NotContains(t, m, `"]-->evil`)
	assert.Contains(t, m, "#quot;")
	assert.Contains(t, m, "#lt;#amp;#gt;")

	svg := g.SVG()
	wellFormed(t, svg)
	assert.NotContains(t, string(svg), "<script>")
	assert.NotContains(t, string(svg), "<b>")
}

func TestSVGIsWellFormedAndNamesEveryAction(t *testing.T) {
	for _, name := range templates.Names() {
		t.Run(name, func(t *testing.T) {
			f := template(t, name)
			svg := flowgraph.New(f).SVG()
			texts := wellFormed(t, svg)
			for _, a := range f.ActionNames() {
				assert.Contains(t, texts, a)
			}
			assert.Contains(t, texts, "welcome")
		})
	}
}

func TestLoopsAreDrawnBack(t *testing.T) {
	// A question that leads back to itself until the answer is right.
	f := load(t, []byte(`{
	  "id": "loop", "version": 1, "welcome": {"message": ["hi"]},
	  "actions": [
	    {"name": "ask", "type": "ask_question", "settings": {"message": ["Say yes"]},
	     "branches": [{"if": "answer != 'yes'", "then": "ask"}]},
	    {"name": "ok", "type": "send_message", "settings": {"message": ["ok"]}}
	  ]}`))
	g := flowgraph.New(f)
	assert.Contains(t, g.Mermaid(), `a0 -->|"if answer != 'yes'"| a0`)
	svg := g.SVG()
	wellFormed(t, svg)
	assert.Contains(t, string(svg), `data-kind="branch"`)
}

// wellFormed parses the SVG as XML and returns its text content.
func wellFormed(t *testing.T, svg []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	var root string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "the SVG is not well-formed XML")
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Space + " " + tok.Name.Local
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	assert.Equal(t, "http://www.w3.org/2000/svg svg", root)
	return texts
}

func ExampleGraph_Mermaid() {
	eng, _ := engine.New(templates.NewSandbox().Config())
	f, _ := eng.Load([]byte(`{"id": "hello", "version": 1, "welcome": {"message": ["Hi!"]},
	  "actions": [
	    {"name": "ask_name", "type": "ask_question", "settings": {"message": ["Your name?"], "property": "firstname"}},
	    {"name": "greet", "type": "send_message", "settings": {"message": ["Hello {{ contact.firstname }}"]}}
	  ]}`))
	os.Stdout.WriteString(flowgraph.New(f).Mermaid())
	// Output:
	// flowchart TD
	//     welcome(["welcome"])
	//     a0["ask_name<br/>ask_question"]
	//     a1["greet<br/>send_message"]
	//     finish(("end"))
	//     welcome --> a0
	//     a0 --> a1
	//     a1 --> finish
	//     classDef startNode fill:#e8f4ff,stroke:#2b6cb0
	//     classDef handoffNode fill:#fff4e5,stroke:#c05621
	//     classDef endNode fill:#edf7ed,stroke:#2f855a
	//     class welcome startNode
	//     class finish endNode
}
