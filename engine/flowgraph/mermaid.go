package flowgraph

import (
	"strconv"
	"strings"
)

// Mermaid returns the graph as a Mermaid flowchart, top to bottom, for a
// Markdown ```mermaid block. Action nodes show the action name over its
// type; handoffs are hexagons, the welcome message and the end are
// rounded. Branch and quick-reply edges carry their condition or label,
// failure paths are dotted. Every label is quoted and escaped with
// Mermaid's entity codes, so no name or condition can break the chart.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	for _, n := range g.Nodes {
		b.WriteString("    ")
		b.WriteString(n.ID)
		switch n.Kind {
		case StartNode:
			b.WriteString(`(["` + mermaidText(n.Label()) + `"])`)
		case EndNode:
			b.WriteString(`(("` + mermaidText(n.Label()) + `"))`)
		case HandoffNode:
			b.WriteString(`{{"` + mermaidText(n.Action) + `<br/>` + mermaidText(n.Type) + `"}}`)
		default:
			b.WriteString(`["` + mermaidText(n.Action) + `<br/>` + mermaidText(n.Type) + `"]`)
		}
		b.WriteByte('\n')
	}
	var failures []int
	for i, e := range g.Edges {
		arrow := "-->"
		if e.Kind == FailureEdge || e.Kind == ReferenceEdge {
			arrow = "-.->"
		}
		if e.Kind == FailureEdge {
			failures = append(failures, i)
		}
		b.WriteString("    " + e.From + " " + arrow)
		if label := edgeLabel(e); label != "" {
			b.WriteString(`|"` + mermaidText(label) + `"|`)
		}
		b.WriteString(" " + e.To + "\n")
	}
	b.WriteString("    classDef startNode fill:#e8f4ff,stroke:#2b6cb0\n")
	b.WriteString("    classDef handoffNode fill:#fff4e5,stroke:#c05621\n")
	b.WriteString("    classDef endNode fill:#edf7ed,stroke:#2f855a\n")
	for _, n := range g.Nodes {
		switch n.Kind {
		case StartNode:
			b.WriteString("    class " + n.ID + " startNode\n")
		case HandoffNode:
			b.WriteString("    class " + n.ID + " handoffNode\n")
		case EndNode:
			b.WriteString("    class " + n.ID + " endNode\n")
		}
	}
	if len(failures) > 0 {
		idx := make([]string, len(failures))
		for i, f := range failures {
			idx[i] = strconv.Itoa(f)
		}
		b.WriteString("    linkStyle " + strings.Join(idx, ",") + " stroke:#c53030,color:#c53030\n")
	}
	return b.String()
}

// edgeLabel is the text an edge shows: quick replies in quotation marks,
// so they read as what the visitor clicks.
func edgeLabel(e Edge) string {
	if e.Kind == QuickReplyEdge && e.Label != "" {
		return "“" + e.Label + "”"
	}
	return e.Label
}

// mermaidText escapes text for a quoted Mermaid label: quotes and the
// characters Mermaid or its HTML labels give meaning to become entity
// codes, line breaks become spaces.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '#':
			b.WriteString("#35;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '&':
			b.WriteString("#amp;")
		case '|':
			b.WriteString("#124;")
		case '`':
			b.WriteString("#96;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
