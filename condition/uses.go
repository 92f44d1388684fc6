package condition

import (
	"slices"

	"cel.dev/cel-go/common/ast"
)

// varSet is a set of the top-level variables of [Vars], one bit each.
type varSet uint16

// varBit returns the bit of a top-level variable, 0 for any other name.
func varBit(name string) varSet {
	switch name {
	case "answer":
		return 1 << 0
	case "contact":
		return 1 << 1
	case "company":
		return 1 << 2
	case "answers":
		return 1 << 3
	case "session":
		return 1 << 4
	case "visitor":
		return 1 << 5
	case "page":
		return 1 << 6
	case "available":
		return 1 << 7
	case "now":
		return 1 << 8
	}
	return 0
}

// has reports whether the set holds the variable name.
func (s varSet) has(name string) bool {
	b := varBit(name)
	return b != 0 && s&b != 0
}

// usedVars returns the top-level variables that the checked expression x
// reads. locals are the comprehension variables in scope, which shadow
// top-level variables of the same name: in contact.tags.exists(now, now ==
// "x") the name now is the loop variable, not the current time.
func usedVars(x ast.Expr, locals []string) varSet {
	var s varSet
	switch x.Kind() {
	case ast.IdentKind:
		if name := x.AsIdent(); !slices.Contains(locals, name) {
			s = varBit(name)
		}
	case ast.SelectKind:
		s = usedVars(x.AsSelect().Operand(), locals)
	case ast.CallKind:
		call := x.AsCall()
		if call.IsMemberFunction() {
			s = usedVars(call.Target(), locals)
		}
		for _, a := range call.Args() {
			s |= usedVars(a, locals)
		}
	case ast.ListKind:
		for _, e := range x.AsList().Elements() {
			s |= usedVars(e, locals)
		}
	case ast.MapKind:
		for _, e := range x.AsMap().Entries() {
			entry := e.AsMapEntry()
			s |= usedVars(entry.Key(), locals) | usedVars(entry.Value(), locals)
		}
	case ast.StructKind:
		for _, f := range x.AsStruct().Fields() {
			s |= usedVars(f.AsStructField().Value(), locals)
		}
	case ast.ComprehensionKind:
		c := x.AsComprehension()
		s = usedVars(c.IterRange(), locals) | usedVars(c.AccuInit(), locals)
		// The accumulator is in scope in the loop and the result; the
		// iteration variables only in the loop.
		withAccu := append(slices.Clip(locals), c.AccuVar())
		inLoop := append(slices.Clip(withAccu), c.IterVar())
		if c.HasIterVar2() {
			inLoop = append(inLoop, c.IterVar2())
		}
		s |= usedVars(c.LoopCondition(), inLoop) | usedVars(c.LoopStep(), inLoop) |
			usedVars(c.Result(), withAccu)
	}
	return s
}
