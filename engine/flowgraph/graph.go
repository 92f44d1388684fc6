// Package flowgraph draws a chatflow as a picture: its welcome message,
// actions, if/then branches with their conditions, quick-reply edges and
// failure paths, as Mermaid text (for Markdown) or as a self-contained SVG
// image laid out in layers.
//
// A graph is built from a loaded flow's exported facts (engine.Flow's
// Definition, ActionNames, Action and ReferencesTo), so it shows exactly the
// edges the loader checked. Next actions chosen at run time — a webhook's or
// code snippet's nextModuleNickname — are not known before the turn and are
// not drawn.
//
//	g := flowgraph.New(flow)
//	fmt.Println(g.Mermaid())
//	svg := g.SVG()
package flowgraph

import (
	"cmp"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
)

// NodeKind classifies a node of the graph.
type NodeKind string

// The node kinds.
const (
	// StartNode is the welcome message, where every conversation begins.
	StartNode NodeKind = "welcome"
	// ActionNode is an action of the flow.
	ActionNode NodeKind = "action"
	// HandoffNode is an action that hands the conversation to people or
	// to the AI agent: the bot part ends there.
	HandoffNode NodeKind = "handoff"
	// EndNode is where a path finishes the conversation.
	EndNode NodeKind = "end"
)

// EdgeKind classifies an edge of the graph.
type EdgeKind string

// The edge kinds.
const (
	// NextEdge is the default way on: the action's "next", or the
	// following action when it names none.
	NextEdge EdgeKind = "next"
	// BranchEdge is an if/then branch; its Label is the condition.
	BranchEdge EdgeKind = "branch"
	// QuickReplyEdge is a quick reply that names the action it leads to;
	// its Label is the reply's label.
	QuickReplyEdge EdgeKind = "quick_reply"
	// FailureEdge is the action's failure path ("onFailure").
	FailureEdge EdgeKind = "failure"
	// ReferenceEdge is another reference to an action in an action's
	// settings; its Label is the settings path.
	ReferenceEdge EdgeKind = "reference"
)

// Node is one box of the picture.
type Node struct {
	// ID is the node's identifier in the drawing: "welcome", "finish",
	// or "a" and the action's index in the flow ("a0", "a1" …), so that
	// any action name is safe to draw ("end" is a Mermaid keyword).
	ID string
	// Kind is what the node stands for.
	Kind NodeKind
	// Action and Type are the action's name and type; empty for the start
	// and end nodes.
	Action string
	Type   string
}

// Label returns the text a node shows: the action name, "welcome" or
// "end".
func (n Node) Label() string {
	switch n.Kind {
	case StartNode:
		return "welcome"
	case EndNode:
		return "end"
	}
	return n.Action
}

// Edge is one arrow of the picture.
type Edge struct {
	// From and To are node IDs.
	From, To string
	// Kind is what the edge stands for.
	Kind EdgeKind
	// Label is the condition of a branch, the label of a quick reply,
	// "else" for a default way that competes with branches or quick
	// replies, or empty.
	Label string
	// Path is the JSON path of the reference in the flow, empty for the
	// implicit ways (the following action, the end).
	Path string
}

// Graph is a flow drawn as nodes and edges. Build it with New; the zero
// Graph is an empty picture. A Graph is plain data: it is safe for
// concurrent reads.
type Graph struct {
	// FlowID and Name identify the flow.
	FlowID, Name string
	// Nodes are the start node, the actions in flow order, and the end
	// node when some path finishes the conversation.
	Nodes []Node
	// Edges are in drawing order: by source node, then quick replies,
	// branches, the default way, failure paths and other references.
	Edges []Edge
}

// handoffTypes are the built-in action types that end the bot part by
// handing the conversation over: the default way after them is never
// taken.
var handoffTypes = map[string]bool{builtin.SendToTeamMemberType: true, builtin.SendToAgentType: true}

var (
	actionPath  = regexp.MustCompile(`^actions\[(\d+)\]\.(.+)$`)
	branchPath  = regexp.MustCompile(`^branches\[(\d+)\]\.then$`)
	welcomePath = regexp.MustCompile(`^welcome\.quickReplies\[(\d+)\]\.next$`)
	qrSuffix    = regexp.MustCompile(`(?:^|\.)quickReplies\[(\d+)\]\.next$`)
)

// New builds the graph of a loaded flow.
func New(f *engine.Flow) *Graph {
	def := f.Definition()
	g := &Graph{FlowID: def.ID, Name: def.Name}
	g.Nodes = append(g.Nodes, Node{ID: "welcome", Kind: StartNode})
	names := f.ActionNames()
	ids := make(map[string]string, len(names))
	for i, name := range names {
		n := Node{ID: "a" + strconv.Itoa(i), Kind: ActionNode, Action: name}
		if _, typ, ok := f.Action(name); ok {
			n.Type = typ
		}
		if handoffTypes[n.Type] {
			n.Kind = HandoffNode
		}
		ids[name] = n.ID
		g.Nodes = append(g.Nodes, n)
	}

	// Every declared reference, found by its JSON path.
	type ranked struct {
		Edge
		from, rank, sub int
	}
	var edges []ranked
	// competing[i] counts the branches and quick replies of node i (-1:
	// the start), which turn its default way into an "else".
	competing := map[int]int{}
	for _, target := range names {
		for _, p := range f.ReferencesTo(target) {
			e := ranked{Edge: Edge{To: ids[target], Path: p}}
			if m := welcomePath.FindStringSubmatch(p); m != nil {
				k, _ := strconv.Atoi(m[1])
				e.From, e.from, e.Kind, e.rank, e.sub = "welcome", -1, QuickReplyEdge, 0, k
				if k < len(def.Welcome.QuickReplies) {
					e.Label = def.Welcome.QuickReplies[k].Text()
				}
				competing[-1]++
				edges = append(edges, e)
				continue
			}
			m := actionPath.FindStringSubmatch(p)
			if m == nil {
				continue // not a path the engine writes today
			}
			i, _ := strconv.Atoi(m[1])
			if i >= len(def.Actions) {
				continue
			}
			ad := def.Actions[i]
			e.From, e.from = "a"+m[1], i
			rest := m[2]
			switch {
			case rest == "next":
				e.Kind, e.rank = NextEdge, 2
			case rest == "onFailure":
				e.Kind, e.rank, e.Label = FailureEdge, 3, "on failure"
			case branchPath.MatchString(rest):
				j, _ := strconv.Atoi(branchPath.FindStringSubmatch(rest)[1])
				e.Kind, e.rank, e.sub = BranchEdge, 1, j
				if j < len(ad.Branches) {
					e.Label = "if " + ad.Branches[j].If
				}
				competing[i]++
			case strings.HasPrefix(rest, "settings.") && qrSuffix.MatchString(rest):
				settingsPath := strings.TrimPrefix(rest, "settings.")
				k, _ := strconv.Atoi(qrSuffix.FindStringSubmatch(rest)[1])
				e.Kind, e.rank, e.sub = QuickReplyEdge, 0, k
				e.Label = quickReplyLabel(ad.Settings, strings.TrimSuffix(settingsPath, ".next"))
				competing[i]++
			default:
				e.Kind, e.rank, e.Label = ReferenceEdge, 4, strings.TrimPrefix(rest, "settings.")
			}
			edges = append(edges, e)
		}
	}

	// The implicit ways: the first action after the welcome message, the
	// following action, the end.
	finishes := false
	if len(names) > 0 {
		e := ranked{Edge: Edge{From: "welcome", To: "a0", Kind: NextEdge}, from: -1, rank: 2}
		if competing[-1] > 0 {
			e.Label = "else"
		}
		edges = append(edges, e)
	}
	for i, ad := range def.Actions {
		if ad.Next != "" {
			if competing[i] > 0 {
				for k := range edges {
					if edges[k].from == i && edges[k].Kind == NextEdge {
						edges[k].Label = "else"
					}
				}
			}
			continue
		}
		if handoffTypes[g.Nodes[i+1].Type] {
			continue
		}
		e := ranked{Edge: Edge{From: "a" + strconv.Itoa(i), Kind: NextEdge}, from: i, rank: 2}
		if ad.End || i == len(def.Actions)-1 {
			e.To = "finish"
			finishes = true
		} else {
			e.To = "a" + strconv.Itoa(i+1)
		}
		if competing[i] > 0 {
			e.Label = "else"
		}
		edges = append(edges, e)
	}
	if finishes {
		g.Nodes = append(g.Nodes, Node{ID: "finish", Kind: EndNode})
	}
	slices.SortStableFunc(edges, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.rank, b.rank),
			cmp.Compare(a.sub, b.sub), cmp.Compare(a.Path, b.Path))
	})
	for _, e := range edges {
		g.Edges = append(g.Edges, e.Edge)
	}
	return g
}

// quickReplyLabel finds the quick reply at path (such as
// "quickReplies[1]") in an action's settings and returns its label, or
// its value when it has none.
func quickReplyLabel(settings json.RawMessage, path string) string {
	var cur any
	if json.Unmarshal(settings, &cur) != nil {
		return ""
	}
	for _, part := range strings.Split(path, ".") {
		key, idx, indexed := strings.Cut(part, "[")
		if obj, ok := cur.(map[string]any); ok {
			cur = obj[key]
		} else {
			return ""
		}
		if indexed {
			n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			arr, ok := cur.([]any)
			if err != nil || !ok || n < 0 || n >= len(arr) {
				return ""
			}
			cur = arr[n]
		}
	}
	obj, _ := cur.(map[string]any)
	if label, _ := obj["label"].(string); label != "" {
		return label
	}
	value, _ := obj["value"].(string)
	return value
}
