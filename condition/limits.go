package condition

import (
	"fmt"
	"regexp/syntax"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
)

// Compiling is not free: cel-go type-checks nested literals in time that
// grows with the cube of their depth (lists nested 160 deep take seconds),
// compiling a regular expression costs time in proportion to its expanded
// size (a{1000} repeated a thousand times, 7 KB of text, takes a second),
// and every other construct costs time in proportion to the text. Flows
// are compiled when they load, and a template may be compiled while a turn
// holds its conversation's lock, so an [Env] bounds all three.

// DefaultMaxSourceSize is the longest text, in bytes, that an [Env] whose
// [EnvConfig] leaves MaxSourceSize at zero compiles: a condition, or a
// whole template, tokens and literal text together. Conditions and bot
// messages are rarely longer than a few hundred bytes, and literal text
// costs next to nothing; the slowest 8 KiB the other limits let through
// (literals nested 22 deep, over and over) compiles in about a tenth of a
// second (BenchmarkCompileLargest), where a single 647-byte expression
// took seconds without the limits.
const DefaultMaxSourceSize = 8 << 10

// DefaultMaxNesting is the nesting limit of an [Env] whose [EnvConfig]
// leaves MaxNesting at zero. Hand-written conditions rarely nest beyond 5
// levels; at 24 the most deeply nested expression compiles in a few
// milliseconds, where 160 levels took seconds.
const DefaultMaxNesting = 24

// DefaultMaxRegexSize is the limit on the regular expressions of one
// condition or template of an [Env] whose [EnvConfig] leaves MaxRegexSize
// at zero: about a thousand instructions, many times what a pattern for an
// email address (about 25), a postal code or an order number needs.
const DefaultMaxRegexSize = 1000

// checkSize rejects text longer than the size limit before any parsing.
func (e *Env) checkSize(text string) *Error {
	if len(text) <= e.maxSourceSize {
		return nil
	}
	// The text itself is left out of the error: it may be huge.
	return &Error{Err: ErrTooLarge,
		Msg: fmt.Sprintf("the text is %d bytes long, more than the limit of %d", len(text), e.maxSourceSize)}
}

// parse parses expr, which starts at byte base of text.
func (e *Env) parse(text string, base int, expr string) (*cel.Ast, *Error) {
	parsed, iss := e.cel.Parse(expr)
	if iss != nil && iss.Err() != nil {
		if tooDeep(iss) {
			return nil, newError(text, base, ErrTooLarge,
				fmt.Sprintf("the expression nests more than %d levels deep (parentheses, lists, maps, calls, operators); simplify it", e.maxNesting))
		}
		return nil, issueError(text, base, expr, iss, ErrSyntax)
	}
	return parsed, nil
}

// tooDeep reports whether the parser stopped at the nesting limit. cel-go
// reports it as a plain parse error, with one of two messages depending on
// where the parser noticed; only the message tells it apart.
func tooDeep(iss *cel.Issues) bool {
	for _, e := range iss.Errors() {
		if strings.Contains(e.Message, "recursion limit exceeded") || strings.Contains(e.Message, "recursion depth exceeded") {
			return true
		}
	}
	return false
}

// checkRegexes rejects constant patterns of matches() that, together with
// the patterns compiled before them in the same text, are larger than the
// limit: cel-go compiles them when it plans the program,
// at a cost proportional to their expanded size. Each pattern's size is
// taken out of *budget. A pattern computed at run time, as in
// answer.matches(contact.pattern), cannot be checked here; only the cost
// limit meters its matching.
func (e *Env) checkRegexes(text string, base int, expr string, checked *cel.Ast, budget *int) *Error {
	native := checked.NativeRep()
	var found *Error
	ast.PreOrderVisit(native.Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if found != nil || x.Kind() != ast.CallKind {
			return
		}
		call := x.AsCall()
		if call.FunctionName() != "matches" {
			return
		}
		args := call.Args()
		i := 1 // matches(text, pattern)
		if call.IsMemberFunction() {
			i = 0 // text.matches(pattern)
		}
		if i >= len(args) || args[i].Kind() != ast.LiteralKind {
			return
		}
		pattern, ok := args[i].AsLiteral().(types.String)
		if !ok {
			return
		}
		off := base
		if loc := native.SourceInfo().GetStartLocation(args[i].ID()); loc.Line() > 0 {
			off = base + offset(expr, loc.Line(), loc.Column())
		}
		re, err := syntax.Parse(string(pattern), syntax.Perl)
		if err != nil {
			return // reported as a type error when the program is built
		}
		n := regexSize(re, *budget)
		if n > *budget {
			found = newError(text, off, ErrTooLarge, fmt.Sprintf(
				"regular expressions too large: more than %d instructions in all, counting a{n} as n times a; simplify them", e.maxRegexSize))
			return
		}
		*budget -= n
	}))
	return found
}

// regexSize estimates the number of instructions of the compiled program
// of re, as regexp/syntax expands repetitions, without expanding them. It
// stops counting once the estimate passes limit.
func regexSize(re *syntax.Regexp, limit int) int {
	n := 0
	add := func(k int) { n = min(n+k, limit+1) }
	switch re.Op {
	case syntax.OpLiteral:
		add(len(re.Rune))
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		add(2)
		for _, s := range re.Sub {
			add(regexSize(s, limit))
		}
	case syntax.OpConcat, syntax.OpAlternate:
		for _, s := range re.Sub {
			add(1 + regexSize(s, limit))
		}
	case syntax.OpRepeat:
		times := re.Max
		if times < 0 {
			times = re.Min + 1
		}
		sub := 0
		for _, s := range re.Sub {
			sub = min(sub+regexSize(s, limit), limit+1)
		}
		if times > 0 && sub > (limit+1)/times {
			add(limit + 1)
		} else {
			add(times * sub)
		}
	default:
		add(1)
	}
	return n
}
