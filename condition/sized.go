package condition

import (
	"time"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/operators"
)

// sizedInputs lets an expression whose cost depends on the size of the
// values it reads run without cost tracking whenever those values are
// small, which they nearly always are: a list of tags, a name, an answer.
//
// Cost tracking is what makes CEL slow (it allocates at every step), and
// it is needed only because the cost of, say,
//
//	contact.tags.exists(t, t.startsWith("b")) && contact.lifecyclestage == "lead"
//
// has no bound when the expression is compiled: the list and its strings
// can be of any length. But with every value read bounded to bound (a
// string of at most bound bytes, a list of at most bound strings of at
// most bound bytes each) and the answer to maxAnswerSize, CEL's own
// estimator proves a bound on the cost; when that bound is within the
// limit, an evaluation whose values are in fact that small cannot reach
// the limit, and runs untracked. Values are measured before the
// evaluation (so each is looked up twice, which costs far less than
// tracking); larger ones leave it to the tracked program, which enforces
// the limit step by step.
//
// This is sound only if the values measured are all the values the
// expression can read: so it applies only to expressions that use the map
// variables (contact, answers, …) solely to read constant keys
// (contact.tags, contact["tags"], contact.?tags, contact[?"tags"]) or to
// test them with has(). An expression that iterates over a whole map,
// takes its size or indexes it with a computed key runs as before.
type sizedInputs struct {
	// bound is the largest size of a value, and of a string in a list
	// value, for which the estimate holds.
	bound uint64
	// reads are the values the expression can read.
	reads []inputRead
}

// inputRead is a constant key read from a map variable.
type inputRead struct{ name, key string }

// sizeBounds are the bounds tried, largest first; the first one under
// which the estimated cost is within the limit, and within
// DefaultCostLimit, is used. The second condition keeps an evaluation that
// does not poll its context short, whatever the limit.
var sizeBounds = [...]uint64{1024, 128, 16}

// fits reports whether every value the expression can read from v is
// within the bound, and the answer within maxAnswerSize. Values of a type
// it does not know, and a Lookup that panics, do not fit: CEL then runs
// the evaluation with cost tracking, and turns the panic into an error.
func (s *sizedInputs) fits(v *Vars) (ok bool) {
	if len(v.Answer) > maxAnswerSize {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	for _, r := range s.reads {
		x, found := lookupIn(v, r.name, r.key)
		if !found {
			continue
		}
		// A string's CEL size is its number of code points, which its
		// length in bytes bounds.
		switch x := x.(type) {
		case string:
			if uint64(len(x)) > s.bound {
				return false
			}
		case []string:
			if uint64(len(x)) > s.bound {
				return false
			}
			for _, e := range x {
				if uint64(len(e)) > s.bound {
					return false
				}
			}
		case int64, float64, bool, time.Time, time.Duration,
			int, int8, int16, int32, uint, uint8, uint16, uint32, uint64, float32:
		default:
			return false
		}
	}
	return true
}

// inputReadsOf returns the constant keys x reads from map variables, or
// false if x uses a map variable in any other way than reading a
// constant key or testing one with has().
func inputReadsOf(x ast.Expr) ([]inputRead, bool) {
	var reads []inputRead
	add := func(name, key string) {
		for _, r := range reads {
			if r.name == name && r.key == key {
				return
			}
		}
		reads = append(reads, inputRead{name, key})
	}
	var visit func(x ast.Expr) bool
	visit = func(x ast.Expr) bool {
		switch x.Kind() {
		case ast.LiteralKind:
			return true
		case ast.IdentKind:
			// A map variable met here is used whole. (An iteration
			// variable of the same name is taken for one too, which
			// only costs the shortcut.)
			_, isMap := mapVar(x)
			return !isMap
		case ast.SelectKind:
			sel := x.AsSelect()
			if name, ok := mapVar(sel.Operand()); ok {
				if !sel.IsTestOnly() {
					add(name, sel.FieldName())
				}
				return true
			}
			return visit(sel.Operand())
		case ast.CallKind:
			call := x.AsCall()
			if !call.IsMemberFunction() && len(call.Args()) == 2 {
				switch call.FunctionName() {
				case operators.Index, operators.OptIndex, operators.OptSelect:
					if name, ok := mapVar(call.Args()[0]); ok {
						key, isConst := stringLit(call.Args()[1])
						if !isConst {
							return false
						}
						add(name, key)
						return true
					}
				}
			}
			if call.IsMemberFunction() && !visit(call.Target()) {
				return false
			}
			for _, a := range call.Args() {
				if !visit(a) {
					return false
				}
			}
			return true
		case ast.ComprehensionKind:
			c := x.AsComprehension()
			return visit(c.IterRange()) && visit(c.AccuInit()) && visit(c.LoopCondition()) &&
				visit(c.LoopStep()) && visit(c.Result())
		case ast.ListKind:
			for _, e := range x.AsList().Elements() {
				if !visit(e) {
					return false
				}
			}
			return true
		case ast.MapKind:
			for _, e := range x.AsMap().Entries() {
				entry := e.AsMapEntry()
				if !visit(entry.Key()) || !visit(entry.Value()) {
					return false
				}
			}
			return true
		case ast.StructKind:
			for _, f := range x.AsStruct().Fields() {
				if !visit(f.AsStructField().Value()) {
					return false
				}
			}
			return true
		}
		return false
	}
	if !visit(x) {
		return nil, false
	}
	return reads, true
}

// boundedInputs is the estimator for sizedInputs: the answer is at most
// maxAnswerSize long, and a value read from a map variable, and a string
// in it, at most bound. Any other size is left to CEL, which assumes the
// worst of what it cannot derive.
type boundedInputs struct {
	noEstimates
	bound uint64
}

// EstimateSize implements cost.Estimator.
func (b boundedInputs) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	switch {
	case len(p) == 1 && p[0] == "answer":
		return &cost.SizeEstimate{Min: 0, Max: maxAnswerSize}
	case (len(p) == 2 || len(p) == 3 && p[2] == "@items") &&
		zeroVars.lookupVar(p[0]) != nil && !isSubpath(p[1]):
		return &cost.SizeEstimate{Min: 0, Max: b.bound}
	}
	return nil
}

// isSubpath reports whether a path element names the keys, values or
// items of a container rather than a field.
func isSubpath(s string) bool {
	return s == "@items" || s == "@keys" || s == "@values"
}
