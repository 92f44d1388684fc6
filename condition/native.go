package condition

import (
	"slices"
	"strings"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// native evaluates, without CEL, expressions made only of what branch
// conditions are usually made of: string comparisons and tests
// (==, !=, startsWith, endsWith, contains), presence tests, membership
// (in), exists and all over a list of strings, and !, && and ||, on
// string constants, the answer, `available` and values read from map
// variables by constant keys. For example
//
//	contact.lifecyclestage == "lead" && contact.tags.exists(t, t.startsWith("b"))
//
// It runs only when CEL would run untracked too (the expression's cost is
// bounded, statically or for the values at hand; see sizedInputs), so it
// has no cost to count. Whenever CEL would give an error or convert a
// value (a key that is absent, a value that is not a string or a list of
// strings, a Lookup that panics), it gives up and CEL evaluates the
// expression, so its results are always CEL's. native_test.go compares the
// two on random expressions and inputs.
//
// It gives up only on what it cannot decide: false && x is false
// whatever x is, as in CEL.
type native struct {
	eval boolFn
}

// frame holds the values of the iteration variables in scope, innermost
// last; maxNativeDepth bounds the nesting of exists and all.
type frame struct {
	vars [maxNativeDepth]string
}

const maxNativeDepth = 2

type (
	boolFn func(v *Vars, f frame) (val, ok bool)
	strFn  func(v *Vars, f frame) (string, bool)
	listFn func(v *Vars, f frame) ([]string, bool)
)

// run evaluates the expression; ok is false when CEL must.
func (n *native) run(v *Vars) (val, ok bool) {
	defer func() {
		// CEL turns a panic of a Lookup into an error: let it.
		if recover() != nil {
			val, ok = false, false
		}
	}()
	return n.eval(v, frame{})
}

// nativeOf compiles a checked expression, or returns nil if it is not of
// the subset.
func nativeOf(x ast.Expr) *native {
	c := nativeCompiler{}
	if f := c.bool(x); f != nil {
		return &native{eval: f}
	}
	return nil
}

// nativeCompiler compiles expressions; iters are the iteration variables
// in scope, innermost last.
type nativeCompiler struct {
	iters []string
}

// slot returns the frame slot of the iteration variable name, or -1.
func (c *nativeCompiler) slot(name string) int {
	// The innermost declaration of a name shadows the others.
	for i := len(c.iters) - 1; i >= 0; i-- {
		if c.iters[i] == name {
			return i
		}
	}
	return -1
}

// bool compiles a bool-valued expression.
func (c *nativeCompiler) bool(x ast.Expr) boolFn {
	switch x.Kind() {
	case ast.LiteralKind:
		b, ok := x.AsLiteral().(types.Bool)
		if !ok {
			return nil
		}
		return func(*Vars, frame) (bool, bool) { return bool(b), true }
	case ast.IdentKind:
		if x.AsIdent() == "available" && c.slot("available") < 0 {
			return func(v *Vars, _ frame) (bool, bool) { return v.Available, true }
		}
		return nil
	case ast.SelectKind:
		sel := x.AsSelect()
		name, ok := mapVar(sel.Operand())
		if !ok || !sel.IsTestOnly() || c.slot(name) >= 0 {
			return nil
		}
		key := sel.FieldName()
		return func(v *Vars, _ frame) (bool, bool) {
			_, found := lookupIn(v, name, key)
			return found, true
		}
	case ast.ComprehensionKind:
		return c.comprehension(x)
	case ast.CallKind:
		return c.call(x)
	}
	return nil
}

// call compiles a bool-valued call: a string test, a logical operator, an
// equality or in.
func (c *nativeCompiler) call(x ast.Expr) boolFn {
	call := x.AsCall()
	args := call.Args()
	if call.IsMemberFunction() {
		if len(args) != 1 {
			return nil
		}
		var test func(s, t string) bool
		switch call.FunctionName() {
		case "startsWith":
			test = strings.HasPrefix
		case "endsWith":
			test = strings.HasSuffix
		case "contains":
			test = strings.Contains
		default:
			return nil
		}
		return pairTest(c.str(call.Target()), c.str(args[0]), test)
	}
	switch fn := call.FunctionName(); {
	case fn == operators.LogicalNot && len(args) == 1:
		a := c.bool(args[0])
		if a == nil {
			return nil
		}
		return func(v *Vars, f frame) (bool, bool) {
			b, ok := a(v, f)
			return !b, ok
		}
	case (fn == operators.LogicalAnd || fn == operators.LogicalOr) && len(args) == 2:
		a, b := c.bool(args[0]), c.bool(args[1])
		if a == nil || b == nil {
			return nil
		}
		// The side that decides alone: false for &&, true for ||.
		decisive := fn == operators.LogicalOr
		return func(v *Vars, f frame) (bool, bool) {
			x, okX := a(v, f)
			if okX && x == decisive {
				return x, true
			}
			y, okY := b(v, f)
			if okY && y == decisive {
				return y, true
			}
			return y, okX && okY
		}
	case (fn == operators.Equals || fn == operators.NotEquals) && len(args) == 2:
		want := fn == operators.Equals
		return pairTest(c.str(args[0]), c.str(args[1]), func(x, y string) bool { return (x == y) == want })
	case fn == operators.In && len(args) == 2:
		return pairTest(c.str(args[0]), c.list(args[1]), func(x string, list []string) bool {
			return slices.Contains(list, x)
		})
	}
	return nil
}

// pairTest compiles test applied to what a and b give; nil if either is
// nil.
func pairTest[X, Y any](a func(*Vars, frame) (X, bool), b func(*Vars, frame) (Y, bool), test func(X, Y) bool) boolFn {
	if a == nil || b == nil {
		return nil
	}
	return func(v *Vars, f frame) (bool, bool) {
		x, ok := a(v, f)
		if !ok {
			return false, false
		}
		y, ok := b(v, f)
		if !ok {
			return false, false
		}
		return test(x, y), true
	}
}

// comprehension compiles list.exists(t, p) and list.all(t, p), which the
// parser expands as
//
//	@result = false (true for all)
//	loop while @not_strictly_false(!@result) (@result for all):
//	  @result = @result || p (@result && p for all)
//	result @result
func (c *nativeCompiler) comprehension(x ast.Expr) boolFn {
	comp := x.AsComprehension()
	accu, iter := comp.AccuVar(), comp.IterVar()
	if comp.HasIterVar2() || accu == iter || len(c.iters) == maxNativeDepth {
		return nil
	}
	init, ok := comp.AccuInit().AsLiteral().(types.Bool)
	if comp.AccuInit().Kind() != ast.LiteralKind || !ok || !isIdent(comp.Result(), accu) {
		return nil
	}
	// exists starts from false and stops at the first true; all the
	// other way round.
	exists := !bool(init)
	cond, ok := callArg(comp.LoopCondition(), operators.NotStrictlyFalse, 0, 1)
	if !ok {
		return nil
	}
	if exists {
		if cond, ok = callArg(cond, operators.LogicalNot, 0, 1); !ok {
			return nil
		}
	}
	if !isIdent(cond, accu) {
		return nil
	}
	op := operators.LogicalAnd
	if exists {
		op = operators.LogicalOr
	}
	if prev, ok := callArg(comp.LoopStep(), op, 0, 2); !ok || !isIdent(prev, accu) {
		return nil
	}
	step, _ := callArg(comp.LoopStep(), op, 1, 2)
	list := c.list(comp.IterRange())
	if list == nil {
		return nil
	}
	// The accumulator is not in scope for step: an expression naming it
	// is not compiled (it is not a string, a list or a map variable).
	c.iters = append(c.iters, iter)
	pred := c.bool(step)
	c.iters = c.iters[:len(c.iters)-1]
	if pred == nil {
		return nil
	}
	slot := len(c.iters)
	return func(v *Vars, f frame) (bool, bool) {
		l, ok := list(v, f)
		if !ok {
			return false, false
		}
		for _, e := range l {
			f.vars[slot] = e
			b, ok := pred(v, f)
			if !ok {
				return false, false
			}
			if b == exists {
				return exists, true
			}
		}
		return !exists, true
	}
}

// str compiles a string-valued expression.
func (c *nativeCompiler) str(x ast.Expr) strFn {
	switch x.Kind() {
	case ast.LiteralKind:
		s, ok := x.AsLiteral().(types.String)
		if !ok {
			return nil
		}
		return func(*Vars, frame) (string, bool) { return string(s), true }
	case ast.IdentKind:
		name := x.AsIdent()
		if i := c.slot(name); i >= 0 {
			return func(_ *Vars, f frame) (string, bool) { return f.vars[i], true }
		}
		if name == "answer" {
			return func(v *Vars, _ frame) (string, bool) { return v.Answer, true }
		}
		return nil
	}
	name, key, ok := c.read(x)
	if !ok {
		return nil
	}
	return func(v *Vars, _ frame) (string, bool) {
		x, found := lookupIn(v, name, key)
		s, isStr := x.(string)
		return s, found && isStr
	}
}

// list compiles a list read from a map variable.
func (c *nativeCompiler) list(x ast.Expr) listFn {
	name, key, ok := c.read(x)
	if !ok {
		return nil
	}
	return func(v *Vars, _ frame) ([]string, bool) {
		x, found := lookupIn(v, name, key)
		l, isList := x.([]string)
		return l, found && isList
	}
}

// read recognises v.key and v["key"] on a map variable v that no
// iteration variable shadows (the optional forms listRead also knows are
// left to CEL).
func (c *nativeCompiler) read(x ast.Expr) (name, key string, ok bool) {
	name, key, optional, ok := listRead(x)
	return name, key, ok && !optional && c.slot(name) < 0
}
