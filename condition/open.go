package condition

import (
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// OpenFunction is the name of the built-in function that asks whether a
// named office-hours schedule is open now: open("support"). It is bound
// to [Vars].Schedules at each evaluation, so a compiled expression serves
// every flow and every moment; a host cannot register a function of that
// name.
const OpenFunction = "open"

// openDecl declares open(string) -> bool with a binding supplied at
// evaluation time (by activation.ResolveFunction).
func openDecl() cel.EnvOption {
	return cel.Function(OpenFunction,
		cel.FunctionDocs(`open(name) reports whether the office-hours schedule of that name is open now, e.g. open("support")`),
		cel.Overload("open_string", []*cel.Type{cel.StringType}, cel.BoolType, cel.LateFunctionBinding()))
}

var _ interpreter.FunctionActivation = activation{}

// ResolveFunction implements interpreter.FunctionActivation: it binds
// open() to the Schedules of the evaluation's Vars. Only an evaluation that
// calls open() gets here, so others pay nothing for it.
func (a activation) ResolveFunction(name string) (functions.LateBoundOp, bool) {
	if name != OpenFunction {
		return nil, false
	}
	v := a.v
	return func(_ string, args ...ref.Val) ref.Val { return v.open(args) }, true
}

// open answers open(name) from v.Schedules.
func (v *Vars) open(args []ref.Val) ref.Val {
	if len(args) != 1 {
		return types.NewErr("open takes one argument, got %d", len(args))
	}
	name, ok := args[0].(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(args[0])
	}
	if v.Schedules == nil {
		return types.NewErr("open(%q): there are no schedules", string(name))
	}
	val, found := v.Schedules.Lookup(string(name))
	if !found {
		return types.NewErr("open(%q): no schedule of that name", string(name))
	}
	b, ok := val.(bool)
	if !ok {
		return types.NewErr("open(%q): the schedule lookup gave %T, not bool", string(name), val)
	}
	return types.Bool(b)
}

// openCalls are the schedule names an expression passes to open().
type openCalls struct {
	names   []string // string literals, without repeats, in order
	dynamic bool     // some call passes a computed name
}

// openNamesOf finds the calls to open() in a checked expression.
func openNamesOf(x ast.Expr) openCalls {
	var oc openCalls
	ast.PostOrderVisit(x, ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.CallKind {
			return
		}
		call := e.AsCall()
		if call.FunctionName() != OpenFunction || call.IsMemberFunction() || len(call.Args()) != 1 {
			return
		}
		arg := call.Args()[0]
		if arg.Kind() == ast.LiteralKind {
			if s, ok := arg.AsLiteral().(types.String); ok {
				if !slices.Contains(oc.names, string(s)) {
					oc.names = append(oc.names, string(s))
				}
				return
			}
		}
		oc.dynamic = true
	}))
	return oc
}

func (oc *openCalls) add(o openCalls) {
	for _, n := range o.names {
		if !slices.Contains(oc.names, n) {
			oc.names = append(oc.names, n)
		}
	}
	oc.dynamic = oc.dynamic || o.dynamic
}

// OpenNames returns the schedule names the condition passes to open() as
// string literals, in order of appearance, and whether some call passes a
// computed name (open(answer)), which only evaluation can check. A loader
// checks the literal names against the schedules it declares.
func (c *Condition) OpenNames() (names []string, dynamic bool) {
	return slices.Clone(c.opens.names), c.opens.dynamic
}

// OpenNames is Condition.OpenNames for every token of the template.
func (t *Template) OpenNames() (names []string, dynamic bool) {
	var oc openCalls
	for _, p := range t.parts {
		if p.tok != nil {
			oc.add(p.tok.opens)
		}
	}
	return oc.names, oc.dynamic
}
