package flowgraph

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Layout constants, in SVG user units (pixels at 100 %).
const (
	margin     = 24.0
	nodeHeight = 44.0
	layerGap   = 64.0 // vertical space between layers, where edge labels go
	nodeGap    = 36.0 // horizontal space between neighbours in a layer
	dummyWidth = 14.0 // the width a long edge takes where it passes a layer
	minWidth   = 96.0
	nameFont   = 13.0
	typeFont   = 11.0
	labelFont  = 11.0
	labelH     = 16.0
	maxLabel   = 40 // runes of an edge label drawn; the full text is its tooltip
)

// edgeStyle is how an edge kind is drawn: colour and dash pattern.
var edgeStyle = map[EdgeKind]struct{ color, dash string }{
	NextEdge:       {"#4a5568", ""},
	BranchEdge:     {"#b7791f", ""},
	QuickReplyEdge: {"#2b6cb0", ""},
	FailureEdge:    {"#c53030", "6 4"},
	ReferenceEdge:  {"#718096", "2 3"},
}

// slot is one place in a layer: a node, or a long edge passing through.
type slot struct {
	node  int // index in Graph.Nodes, or -1 for an edge passing
	edge  int // for a passing edge, its index in Graph.Edges
	x, w  float64
	layer int
	pos   float64 // order within the layer, for sorting
}

// layout is the result of placing a graph.
type layout struct {
	nodes  []*slot         // by node index
	routes map[int][]*slot // by edge index: the slots a long edge passes
	back   map[int]bool    // edges that lead to the same or an earlier layer
	layers int
	width  float64
}

func layerY(l int) float64 { return margin + float64(l)*(nodeHeight+layerGap) }

// SVG returns the graph as a standalone SVG document laid out top to
// bottom in layers: the welcome message at the top, each action one layer
// below the lowest action that leads to it, the end at the bottom. An edge
// that spans several layers passes between the nodes of the layers it
// crosses; edges that lead back up (a loop through a question) are drawn
// as curves on the right. It uses presentation attributes only — no
// <style>, no script — so it shows under a strict Content Security
// Policy, and every text is XML-escaped.
func (g *Graph) SVG() []byte {
	lay := g.layout()
	width := lay.width + 2*margin
	if len(lay.back) > 0 {
		width += 70 // room for the curves of the edges that lead back
	}
	height := layerY(lay.layers) - layerGap + margin
	if len(g.Nodes) == 0 {
		height = 2 * margin
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`+"\n",
		width, height, width, height)
	buf.WriteString("<title>")
	title := g.Name
	if title == "" {
		title = g.FlowID
	}
	esc(&buf, title)
	buf.WriteString("</title>\n<defs>\n")
	for _, k := range []EdgeKind{NextEdge, BranchEdge, QuickReplyEdge, FailureEdge, ReferenceEdge} {
		fmt.Fprintf(&buf, `<marker id="arrow-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`+"\n",
			k, edgeStyle[k].color)
	}
	buf.WriteString("</defs>\n")
	fmt.Fprintf(&buf, `<rect width="%.0f" height="%.0f" fill="#ffffff"/>`+"\n", width, height)

	out, in := g.ports(lay)
	// Labels must not cover nodes or each other.
	var taken []rect
	for i := range g.Nodes {
		s := lay.nodes[i]
		taken = append(taken, rect{s.x, layerY(s.layer), s.w, nodeHeight})
	}
	var labels bytes.Buffer
	for i, e := range g.Edges {
		if out[i] == nil || in[i] == nil {
			continue
		}
		st := edgeStyle[e.Kind]
		var d strings.Builder
		var first [4]point // the first curve, where the label goes
		if lay.back[i] {
			from, to := lay.nodes[*out[i]], lay.nodes[*in[i]]
			// Out of the right side of the source, into the right side of
			// the target, bulging right by the distance between them.
			p0 := point{from.x + from.w, layerY(from.layer) + nodeHeight/2}
			p3 := point{to.x + to.w, layerY(to.layer) + nodeHeight/2}
			cx := lay.width + margin + 20 + math.Min(40, math.Abs(p0.y-p3.y)/8)
			first = [4]point{p0, {cx, p0.y}, {cx, p3.y}, p3}
			fmt.Fprintf(&d, "M%s C%s %s %s", first[0], first[1], first[2], first[3])
		} else {
			pts := g.route(lay, i, out, in)
			fmt.Fprintf(&d, "M%s", pts[0])
			for k := 0; k+1 < len(pts); k += 2 {
				a, b := pts[k], pts[k+1]
				if k > 0 {
					fmt.Fprintf(&d, " L%s", a) // straight through a layer
				}
				dy := (b.y - a.y) / 2
				c := [4]point{a, {a.x, a.y + dy}, {b.x, b.y - dy}, b}
				if k == 0 {
					first = c
				}
				fmt.Fprintf(&d, " C%s %s %s", c[1], c[2], c[3])
			}
		}
		fmt.Fprintf(&buf, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5"`, d.String(), st.color)
		if st.dash != "" {
			fmt.Fprintf(&buf, ` stroke-dasharray="%s"`, st.dash)
		}
		fmt.Fprintf(&buf, ` marker-end="url(#arrow-%s)" data-kind="%s"><title>`, e.Kind, e.Kind)
		esc(&buf, g.Nodes[*out[i]].Label()+" → "+g.Nodes[*in[i]].Label())
		if label := edgeLabel(e); label != "" {
			esc(&buf, ": "+label)
		}
		buf.WriteString("</title></path>\n")
		if label := edgeLabel(e); label != "" {
			short := truncate(label, maxLabel)
			w := textWidth(short, labelFont) + 8
			r := placeLabel(first, w, taken)
			taken = append(taken, r)
			labels.WriteString("<g><title>")
			esc(&labels, label)
			fmt.Fprintf(&labels, `</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="%s" stroke-width="0.5"/>`,
				r.x, r.y, r.w, r.h, st.color)
			fmt.Fprintf(&labels, `<text x="%.1f" y="%.1f" font-size="%.0f" text-anchor="middle" fill="%s">`, r.x+r.w/2, r.y+12, labelFont, st.color)
			esc(&labels, short)
			labels.WriteString("</text></g>\n")
		}
	}
	for i, n := range g.Nodes {
		s := lay.nodes[i]
		y := layerY(s.layer)
		fill, stroke, rx := "#f7fafc", "#4a5568", 4.0
		switch n.Kind {
		case StartNode:
			fill, stroke, rx = "#e8f4ff", "#2b6cb0", nodeHeight/2
		case EndNode:
			fill, stroke, rx = "#edf7ed", "#2f855a", nodeHeight/2
		case HandoffNode:
			fill, stroke, rx = "#fff4e5", "#c05621", 12
		}
		fmt.Fprintf(&buf, `<g data-node="%s"><rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" rx="%.1f" fill="%s" stroke="%s" stroke-width="1.5"/>`,
			n.ID, s.x, y, s.w, nodeHeight, rx, fill, stroke)
		cx := s.x + s.w/2
		if n.Kind == StartNode || n.Kind == EndNode {
			fmt.Fprintf(&buf, `<text x="%.1f" y="%.1f" font-size="%.0f" font-weight="600" text-anchor="middle" fill="#1a202c">`, cx, y+nodeHeight/2+4.5, nameFont)
			esc(&buf, n.Label())
			buf.WriteString("</text>")
		} else {
			fmt.Fprintf(&buf, `<text x="%.1f" y="%.1f" font-size="%.0f" font-weight="600" text-anchor="middle" fill="#1a202c">`, cx, y+19, nameFont)
			esc(&buf, n.Action)
			fmt.Fprintf(&buf, `</text><text x="%.1f" y="%.1f" font-size="%.0f" text-anchor="middle" fill="#4a5568">`, cx, y+35, typeFont)
			esc(&buf, n.Type)
			buf.WriteString("</text>")
		}
		buf.WriteString("</g>\n")
	}
	buf.Write(labels.Bytes())
	buf.WriteString("</svg>\n")
	return buf.Bytes()
}

// point is a position in the picture.
type point struct{ x, y float64 }

func (p point) String() string { return fmt.Sprintf("%.1f,%.1f", p.x, p.y) }

// rect is an area of the picture.
type rect struct{ x, y, w, h float64 }

func (a rect) overlaps(b rect) bool {
	return a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h
}

// placeLabel puts a label of width w on the cubic curve c, at the first
// of a few positions along it where it covers no node or earlier label.
func placeLabel(c [4]point, w float64, taken []rect) rect {
	var r rect
	for _, t := range []float64{0.5, 0.35, 0.65, 0.2, 0.8, 0.5} {
		u := 1 - t
		x := u*u*u*c[0].x + 3*u*u*t*c[1].x + 3*u*t*t*c[2].x + t*t*t*c[3].x
		y := u*u*u*c[0].y + 3*u*u*t*c[1].y + 3*u*t*t*c[2].y + t*t*t*c[3].y
		r = rect{x - w/2, y - labelH/2, w, labelH}
		if !slices.ContainsFunc(taken, r.overlaps) {
			return r
		}
	}
	return r // crowded: the middle, over whatever is there
}

// ports returns the source and target node of each edge that is drawn
// (nil for an edge whose ends are not in the graph).
func (g *Graph) ports(lay *layout) (out, in []*int) {
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.ID] = i
	}
	out, in = make([]*int, len(g.Edges)), make([]*int, len(g.Edges))
	for i, e := range g.Edges {
		f, ok1 := index[e.From]
		t, ok2 := index[e.To]
		if ok1 && ok2 {
			out[i], in[i] = &f, &t
		}
	}
	return out, in
}

// route returns the points of a downward edge: its start on the bottom
// of the source, then the top and bottom of each layer it passes, and its
// end on the top of the target. The edges leaving (or entering) one node
// are spread along its side in the order of where they go (come from), so
// that they do not start on top of each other.
func (g *Graph) route(lay *layout, i int, out, in []*int) []point {
	from, to := lay.nodes[*out[i]], lay.nodes[*in[i]]
	pass := lay.routes[i]
	nextX := func(e int) float64 {
		if r := lay.routes[e]; len(r) > 0 {
			return r[0].x + r[0].w/2
		}
		t := lay.nodes[*in[e]]
		return t.x + t.w/2
	}
	prevX := func(e int) float64 {
		if r := lay.routes[e]; len(r) > 0 {
			return r[len(r)-1].x + r[len(r)-1].w/2
		}
		f := lay.nodes[*out[e]]
		return f.x + f.w/2
	}
	spread := func(s *slot, same func(e int) bool, key func(e int) float64) float64 {
		var peers []int
		for e := range g.Edges {
			if out[e] != nil && !lay.back[e] && same(e) {
				peers = append(peers, e)
			}
		}
		slices.SortStableFunc(peers, func(a, b int) int {
			ka, kb := key(a), key(b)
			if ka != kb {
				if ka < kb {
					return -1
				}
				return 1
			}
			return a - b
		})
		k := slices.Index(peers, i)
		n := float64(len(peers))
		inner := s.w * 0.6 // keep clear of rounded corners
		return s.x + (s.w-inner)/2 + inner*(float64(k)+0.5)/n
	}
	start := point{spread(from, func(e int) bool { return *out[e] == *out[i] }, nextX), layerY(from.layer) + nodeHeight}
	end := point{spread(to, func(e int) bool { return *in[e] == *in[i] }, prevX), layerY(to.layer)}
	pts := []point{start}
	for _, s := range pass {
		x := s.x + s.w/2
		pts = append(pts, point{x, layerY(s.layer)}, point{x, layerY(s.layer) + nodeHeight})
	}
	return append(pts, end)
}

// layout places the nodes in layers: a depth-first walk from the start
// finds the edges that close cycles, the rest form a DAG in which each
// node goes one layer below its lowest predecessor, the end below all.
// Long edges get a slot in each layer they pass, and each layer is
// ordered by the mean position of what leads to it (sweeps down, up and
// down again), then centred on the widest.
func (g *Graph) layout() *layout {
	lay := &layout{routes: map[int][]*slot{}, back: map[int]bool{}}
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.ID] = i
	}
	succ := make([][]int, len(g.Nodes)) // edge indexes by source node
	for i, e := range g.Edges {
		_, okTo := index[e.To]
		if s, ok := index[e.From]; ok && okTo {
			succ[s] = append(succ[s], i)
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(g.Nodes))
	var post []int
	type frame struct{ node, next int }
	for root := range g.Nodes {
		if color[root] != white {
			continue
		}
		stack := []frame{{root, 0}}
		color[root] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next < len(succ[top.node]) {
				ei := succ[top.node][top.next]
				top.next++
				to := index[g.Edges[ei].To]
				switch color[to] {
				case grey:
					lay.back[ei] = true
				case white:
					color[to] = grey
					stack = append(stack, frame{to, 0})
				}
				continue
			}
			color[top.node] = black
			post = append(post, top.node)
			stack = stack[:len(stack)-1]
		}
	}
	layer := make([]int, len(g.Nodes))
	for k := len(post) - 1; k >= 0; k-- {
		u := post[k]
		for _, ei := range succ[u] {
			if !lay.back[ei] {
				v := index[g.Edges[ei].To]
				layer[v] = max(layer[v], layer[u]+1)
			}
		}
	}
	maxLayer := 0
	end, hasEnd := index["finish"]
	for i, l := range layer {
		if !hasEnd || i != end {
			maxLayer = max(maxLayer, l)
		}
	}
	if hasEnd {
		maxLayer++
		layer[end] = maxLayer
	}
	lay.layers = maxLayer + 1

	layers := make([][]*slot, lay.layers)
	lay.nodes = make([]*slot, len(g.Nodes))
	for i, n := range g.Nodes {
		s := &slot{node: i, edge: -1, w: nodeWidth(n), layer: layer[i]}
		lay.nodes[i] = s
		layers[s.layer] = append(layers[s.layer], s)
	}
	// up[s] and down[s] are the slots an edge links s to, one layer up or
	// down: the sweeps order each layer by them.
	up, down := map[*slot][]*slot{}, map[*slot][]*slot{}
	link := func(a, b *slot) { down[a] = append(down[a], b); up[b] = append(up[b], a) }
	for ei, e := range g.Edges {
		f, ok1 := index[e.From]
		t, ok2 := index[e.To]
		if !ok1 || !ok2 || lay.back[ei] {
			continue
		}
		prev := lay.nodes[f]
		for l := layer[f] + 1; l < layer[t]; l++ {
			s := &slot{node: -1, edge: ei, w: dummyWidth, layer: l}
			layers[l] = append(layers[l], s)
			lay.routes[ei] = append(lay.routes[ei], s)
			link(prev, s)
			prev = s
		}
		link(prev, lay.nodes[t])
	}
	number := func(l []*slot) {
		for k, s := range l {
			s.pos = float64(k)
		}
	}
	for _, l := range layers {
		number(l)
	}
	sweep := func(l []*slot, by map[*slot][]*slot) {
		key := make(map[*slot]float64, len(l))
		for _, s := range l {
			key[s] = s.pos
			if n := by[s]; len(n) > 0 {
				sum := 0.0
				for _, o := range n {
					sum += o.pos
				}
				key[s] = sum / float64(len(n))
			}
		}
		slices.SortStableFunc(l, func(a, b *slot) int {
			if key[a] < key[b] {
				return -1
			}
			if key[a] > key[b] {
				return 1
			}
			return 0
		})
		number(l)
	}
	for li := 1; li < len(layers); li++ {
		sweep(layers[li], up)
	}
	for li := len(layers) - 2; li >= 0; li-- {
		sweep(layers[li], down)
	}
	for li := 1; li < len(layers); li++ {
		sweep(layers[li], up)
	}

	widths := make([]float64, len(layers))
	for li, l := range layers {
		for k, s := range l {
			widths[li] += s.w
			if k > 0 {
				widths[li] += gapBetween(l[k-1], s)
			}
		}
		lay.width = math.Max(lay.width, widths[li])
	}
	for li, l := range layers {
		x := margin + (lay.width-widths[li])/2
		for k, s := range l {
			if k > 0 {
				x += gapBetween(l[k-1], s)
			}
			s.x = x
			x += s.w
		}
	}
	return lay
}

// gapBetween is the space between two neighbours in a layer: edges
// passing need less room than nodes.
func gapBetween(a, b *slot) float64 {
	if a.node < 0 || b.node < 0 {
		return nodeGap / 2
	}
	return nodeGap
}

// nodeWidth fits the node's two lines of text.
func nodeWidth(n Node) float64 {
	w := textWidth(n.Label(), nameFont)
	if n.Kind == ActionNode || n.Kind == HandoffNode {
		w = math.Max(w, textWidth(n.Type, typeFont))
	}
	return math.Max(minWidth, math.Ceil(w+24))
}

// textWidth estimates the width of text in a sans-serif font of that
// size: the SVG is laid out without measuring fonts.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}

// truncate shortens s to at most n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// esc writes s XML-escaped.
func esc(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s)) // a bytes.Buffer does not fail
}
