package condition

import (
	"math"
	"slices"
	"unicode/utf8"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// membership is a condition recognised, when it is compiled, as asking
// whether a list read from a map variable holds a string constant:
//
//	contact.tags.exists(t, t == "vip")      (or "vip" == t)
//	"vip" in contact.tags
//
// where the list may also be read as contact["tags"], or with a fallback
// for an absent key as contact.?tags.orValue([]) or
// contact[?"tags"].orValue([]); the test may be guarded by a presence
// test, has(contact.tags) && …, and negated, !(…).
//
// Such a condition is common and CEL is slow at it: its cost cannot be
// bounded when it is compiled (the list can be of any length), so it runs
// with cost tracking, which allocates at every step. membership evaluates
// it straight over the []string held by the [Lookup], allocating nothing,
// and charges the cost CEL would charge, so that it fails on the cost
// limit exactly when CEL does. Any other value (an absent key read without
// a fallback, a list of another Go type, a value that is not a list…)
// leaves the evaluation to CEL, which gives its usual result or error.
// membership_test.go checks the equivalence, costs included.
//
// A membership is immutable once built.
//
// A Lookup that panics leaves the evaluation to CEL too, which turns the
// panic into an evaluation error.
type membership struct {
	// guarded is true for has(guardVar.guardKey) && …
	guarded            bool
	guardVar, guardKey string
	// listVar and listKey locate the list: listVar.listKey.
	listVar, listKey string
	// optional is true when the list is read with ?. or [?] and
	// orValue([]): an absent key reads as an empty list.
	optional bool
	// elem is the string looked for and elemSize its CEL size, its number
	// of code points.
	elem     string
	elemSize uint64
	// loop is true for exists(), which CEL runs as a loop charged at every
	// element, and false for the in operator.
	loop bool
	// negated is true for !(…).
	negated bool
}

// The costs CEL charges for the parts of a membership test: every
// variable, field selection, index, presence test and call costs 1, and
// the logical operators && and || nothing. They are those of the cost
// model of cel-go; membership_test.go compares them with the cost CEL
// tracks.
const (
	// has(v.k): the variable and the presence test.
	costGuard = 2
	// The list (its variable and its selection) and then either the in
	// operator or, for exists(), the read of the result.
	costBase = 3
	// One step of exists(): the loop condition, !@result (the variable,
	// the negation and the not-strictly-false test), then the step
	// @result || t == "…" (the two variables) and the comparison, whose
	// cost, at least 1, is charged apart (eqCost).
	costStep = 5
	// The loop condition evaluated, and found false, after a match that
	// is not the last element.
	costStop = 3
	// The ! of a negated test.
	costNot = 1
)

// outcome is how an evaluation by a membership ended.
type outcome int

const (
	// undecided: the evaluation is left to CEL.
	undecided outcome = iota
	// decided: the result is the one CEL gives.
	decided
	// overLimit: CEL would go over the cost limit.
	overLimit
)

// eval evaluates the test with the variables v, and returns its result and
// its cost when it is decided. The cost is charged against limit
// ([unmetered] when the evaluation is not metered): the evaluation stops
// as soon as it goes over. A non-nil done is polled, as CEL polls the
// context, every interruptEvery elements, and the evaluation is left to
// CEL once it is closed.
func (m *membership) eval(v *Vars, limit uint64, done <-chan struct{}) (found bool, cost uint64, res outcome) {
	defer func() {
		// CEL turns a panic of a Lookup into an error: let it.
		if recover() != nil {
			found, cost, res = false, 0, undecided
		}
	}()
	if m.guarded {
		cost = costGuard
		if _, ok := lookupIn(v, m.guardVar, m.guardKey); !ok {
			return m.result(false, cost, limit)
		}
	}
	cost += costBase
	var list []string
	if x, ok := lookupIn(v, m.listVar, m.listKey); ok {
		if list, ok = x.([]string); !ok {
			return false, 0, undecided
		}
	} else if !m.optional {
		return false, 0, undecided // CEL reports the missing key
	}
	if !m.loop {
		return m.result(slices.Contains(list, m.elem), cost, limit)
	}
	for i, e := range list {
		if done != nil && i%interruptEvery == 0 {
			select {
			case <-done:
				return false, 0, undecided
			default:
			}
		}
		// No overflow: a step costs at most costStep+1+elemSize/10,
		// and no list is long enough for the sum to near 2⁶⁴.
		cost += costStep + eqCost(e, m.elemSize)
		if cost > limit {
			return false, cost, overLimit
		}
		if e == m.elem {
			found = true
			if i < len(list)-1 {
				cost += costStop
			}
			break
		}
	}
	return m.result(found, cost, limit)
}

// result completes an evaluation that found the answer found at the given
// cost.
func (m *membership) result(found bool, cost, limit uint64) (bool, uint64, outcome) {
	if m.negated {
		cost += costNot
		found = !found
	}
	if cost > limit {
		return false, cost, overLimit
	}
	return found, cost, decided
}

// eqCost is the cost CEL charges for comparing the strings a and b, where b
// has elemSize code points: a tenth of the size of the shorter one,
// rounded up, and at least 1.
func eqCost(a string, elemSize uint64) uint64 {
	if elemSize <= 10 || len(a) <= 10 {
		return 1 // a has at most len(a) code points
	}
	n := min(uint64(utf8.RuneCountInString(a)), elemSize)
	return (n + 9) / 10
}

// lookupIn reads key from the map variable name of v as CEL sees it: a nil
// Lookup is empty, and a nil value absent.
func lookupIn(v *Vars, name, key string) (any, bool) {
	l := *v.lookupVar(name)
	if l == nil {
		return nil, false
	}
	x, ok := l.Lookup(key)
	if !ok || x == nil {
		return nil, false
	}
	return x, true
}

// membershipOf recognises a membership test in a checked expression; it
// returns nil for any other expression.
func membershipOf(x ast.Expr) *membership {
	m := &membership{}
	if arg, ok := callArg(x, operators.LogicalNot, 0, 1); ok {
		m.negated = true
		x = arg
	}
	if guard, ok := callArg(x, operators.LogicalAnd, 0, 2); ok {
		if guard.Kind() != ast.SelectKind || !guard.AsSelect().IsTestOnly() {
			return nil
		}
		sel := guard.AsSelect()
		if m.guardVar, ok = mapVar(sel.Operand()); !ok {
			return nil
		}
		m.guarded = true
		m.guardKey = sel.FieldName()
		x, _ = callArg(x, operators.LogicalAnd, 1, 2)
	}
	var list ast.Expr
	switch x.Kind() {
	case ast.CallKind:
		// elem in list
		elem, ok := callArg(x, operators.In, 0, 2)
		if !ok {
			return nil
		}
		if m.elem, ok = stringLit(elem); !ok {
			return nil
		}
		list, _ = callArg(x, operators.In, 1, 2)
	case ast.ComprehensionKind:
		// list.exists(t, t == elem), expanded as
		//   @result = false
		//   loop while @not_strictly_false(!@result):
		//     @result = @result || t == elem
		//   result @result
		c := x.AsComprehension()
		accu := c.AccuVar()
		if c.HasIterVar2() || accu == c.IterVar() {
			return nil
		}
		if init := c.AccuInit(); init.Kind() != ast.LiteralKind || init.AsLiteral() != types.False {
			return nil
		}
		if !isIdent(c.Result(), accu) {
			return nil
		}
		cond, ok := callArg(c.LoopCondition(), operators.NotStrictlyFalse, 0, 1)
		if !ok {
			return nil
		}
		if cond, ok = callArg(cond, operators.LogicalNot, 0, 1); !ok || !isIdent(cond, accu) {
			return nil
		}
		if prev, ok := callArg(c.LoopStep(), operators.LogicalOr, 0, 2); !ok || !isIdent(prev, accu) {
			return nil
		}
		eq, _ := callArg(c.LoopStep(), operators.LogicalOr, 1, 2)
		lhs, ok := callArg(eq, operators.Equals, 0, 2)
		if !ok {
			return nil
		}
		rhs, _ := callArg(eq, operators.Equals, 1, 2)
		if isIdent(rhs, c.IterVar()) {
			lhs, rhs = rhs, lhs
		}
		if !isIdent(lhs, c.IterVar()) {
			return nil
		}
		if m.elem, ok = stringLit(rhs); !ok {
			return nil
		}
		m.loop = true
		list = c.IterRange()
	default:
		return nil
	}
	var ok bool
	if m.listVar, m.listKey, m.optional, ok = listRead(list); !ok {
		return nil
	}
	m.elemSize = uint64(utf8.RuneCountInString(m.elem))
	return m
}

// listRead recognises v.key, v["key"], v.?key.orValue([]) and
// v[?"key"].orValue([]) where v is a map variable.
func listRead(x ast.Expr) (name, key string, optional, ok bool) {
	if x.Kind() == ast.SelectKind {
		sel := x.AsSelect()
		if sel.IsTestOnly() {
			return "", "", false, false
		}
		name, ok = mapVar(sel.Operand())
		return name, sel.FieldName(), false, ok
	}
	if x.Kind() != ast.CallKind {
		return "", "", false, false
	}
	call := x.AsCall()
	op := operators.Index
	if call.IsMemberFunction() {
		// x.orValue([])
		if call.FunctionName() != "orValue" || len(call.Args()) != 1 {
			return "", "", false, false
		}
		if def := call.Args()[0]; def.Kind() != ast.ListKind || def.AsList().Size() != 0 {
			return "", "", false, false
		}
		x = call.Target()
		if x.Kind() != ast.CallKind {
			return "", "", false, false
		}
		call = x.AsCall()
		op, optional = operators.OptIndex, true
		if call.FunctionName() == operators.OptSelect {
			op = operators.OptSelect
		}
	}
	// op(v, "key"); the parser turns v.?key into _?._(v, "key").
	operand, isCall := callArg(x, op, 0, 2)
	if !isCall {
		return "", "", false, false
	}
	lit, _ := callArg(x, op, 1, 2)
	if name, ok = mapVar(operand); !ok {
		return "", "", false, false
	}
	key, ok = stringLit(lit)
	return name, key, optional, ok
}

// callArg returns argument i of x when x is a global call of fn with n
// arguments.
func callArg(x ast.Expr, fn string, i, n int) (ast.Expr, bool) {
	if x.Kind() != ast.CallKind {
		return nil, false
	}
	call := x.AsCall()
	if call.IsMemberFunction() || call.FunctionName() != fn || len(call.Args()) != n {
		return nil, false
	}
	return call.Args()[i], true
}

// mapVar reports whether x names one of the map variables of Vars.
func mapVar(x ast.Expr) (string, bool) {
	if x.Kind() != ast.IdentKind || zeroVars.lookupVar(x.AsIdent()) == nil {
		return "", false
	}
	return x.AsIdent(), true
}

func isIdent(x ast.Expr, name string) bool {
	return x.Kind() == ast.IdentKind && x.AsIdent() == name
}

func stringLit(x ast.Expr) (string, bool) {
	if x.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := x.AsLiteral().(types.String)
	return string(s), ok
}

// unmetered is the limit of an evaluation whose cost is not tracked.
const unmetered uint64 = math.MaxUint64
