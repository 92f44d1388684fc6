package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chatflow/chatflow/condition"
)

// warnLongRuns warns when a turn can reach more actions than
// options.maxActionsPerTurn before one waits for the visitor: such a turn
// stops at the limit with the general error message, every time it gets
// there, so the flow can never finish that way.
//
// A turn starts at the first action, at an action a welcome quick reply
// names, or after an action that waits; it runs actions until one waits
// (that one counts) or the path ends. The actions that do not always wait
// form an acyclic graph (checkGraph rejects loops among them), so the
// longest run from each start is found in one pass. Runs chosen at run
// time by actions (Provision.ChoosesNext) are not known here; in a flow
// that has such actions, any action may start a run.
func (l *loader) warnLongRuns(refs []ref) {
	f := l.f
	n := len(f.nodes)
	if n == 0 {
		return
	}
	succ := make([][]int, n)
	for i, nd := range f.nodes {
		if nd.next >= 0 {
			succ[i] = append(succ[i], nd.next)
		}
	}
	starts := []int{0}
	for _, r := range refs {
		j, ok := f.index[r.name]
		if !ok {
			continue
		}
		if r.from < 0 {
			starts = append(starts, j)
		} else {
			succ[r.from] = append(succ[r.from], j)
		}
	}
	for i, nd := range f.nodes {
		if nd.waits || f.dynamic {
			starts = append(starts, i)
			if nd.waits {
				starts = append(starts, succ[i]...)
			}
		}
	}
	length, via := runLengths(succ, func(i int) bool { return f.nodes[i].waits })
	first := -1
	for _, s := range starts {
		if first < 0 || length[s] > length[first] {
			first = s
		}
	}
	limit := f.def.Options.MaxActionsPerTurn
	if length[first] <= limit {
		return
	}
	var names []string
	for i := first; i >= 0; i = via[i] {
		names = append(names, f.nodes[i].def.Name)
	}
	if len(names) > 6 {
		names = append(names[:3:3], "…", names[len(names)-2], names[len(names)-1])
	}
	f.warnings = append(f.warnings, &condition.Error{
		Path: "actions[" + strconv.Itoa(first) + "]", Action: f.nodes[first].def.Name,
		Msg: fmt.Sprintf("a turn can run %d actions from here without waiting for the visitor (%s), more than options.maxActionsPerTurn (%d): it would stop with the general error message",
			length[first], strings.Join(names, " → "), limit),
		Err: ErrTooLongRun,
	})
}

// runLengths returns, for every action i, the most actions a turn runs
// from i: 1 if i waits, else 1 plus the longest run of its successors;
// via[i] is the successor on that longest run, or -1. Edges that close a
// cycle are ignored; checkGraph reports such cycles as errors. It walks
// the graph without recursion, so that long flows cannot exhaust the
// stack.
func runLengths(succ [][]int, waits func(int) bool) (length, via []int) {
	const (
		white = iota
		grey
		black
	)
	n := len(succ)
	length, via = make([]int, n), make([]int, n)
	color := make([]uint8, n)
	type frame struct{ node, edge int }
	var stack []frame
	for root := range n {
		if color[root] != white {
			continue
		}
		stack = append(stack[:0], frame{root, 0})
		color[root] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			i := top.node
			if !waits(i) && top.edge < len(succ[i]) {
				j := succ[i][top.edge]
				top.edge++
				if color[j] == white {
					color[j] = grey
					stack = append(stack, frame{j, 0})
				}
				continue
			}
			length[i], via[i] = 1, -1
			if !waits(i) {
				for _, j := range succ[i] {
					if color[j] == black && 1+length[j] > length[i] {
						length[i], via[i] = 1+length[j], j
					}
				}
			}
			color[i] = black
			stack = stack[:len(stack)-1]
		}
	}
	return length, via
}
