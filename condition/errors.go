package condition

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
)

var (
	// ErrSyntax is the kind of an [Error] for text that does not parse: a
	// malformed expression, an unclosed {{ or a malformed default.
	ErrSyntax = errors.New("condition: syntax error")
	// ErrType is the kind of an [Error] for an expression that parses but does
	// not type-check, such as an undeclared variable or a function called with
	// the wrong arguments.
	ErrType = errors.New("condition: type error")
	// ErrNotBoolean is the kind of an [Error] for a condition whose static type
	// is not bool.
	ErrNotBoolean = errors.New("condition: not a boolean expression")
	// ErrEval is wrapped by the errors of [Condition.Eval] that happen while
	// evaluating, such as reading an absent key or a failing host function.
	ErrEval = errors.New("condition: evaluation error")
	// ErrCostLimit is wrapped by the error of [Condition.Eval] when an
	// evaluation exceeds the cost limit of the [Env].
	ErrCostLimit = errors.New("condition: cost limit exceeded")
)

// Error describes a problem found while compiling a condition or a template.
// Use [errors.As] to get it, and [errors.Is] with one of ErrSyntax, ErrType or
// ErrNotBoolean to classify it.
type Error struct {
	// Source is the expression or template text.
	Source string
	// Line and Column give the 1-based position of the problem in Source;
	// the column counts characters (Unicode code points), not bytes.
	Line, Column int
	// Msg describes the problem.
	Msg string
	// Kind is ErrSyntax, ErrType or ErrNotBoolean.
	Kind error
}

// Error formats the position and the message, e.g.
// "line 1, column 9: undeclared reference to 'foo'".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap returns the kind of the error.
func (e *Error) Unwrap() error { return e.Kind }

// newError builds an Error located at byte offset off of src.
func newError(src string, off int, kind error, msg string) *Error {
	line, col := position(src, off)
	return &Error{Source: src, Line: line, Column: col, Msg: msg, Kind: kind}
}

// position converts a byte offset of src into a 1-based line and column
// (counted in code points).
func position(src string, off int) (line, col int) {
	off = min(max(off, 0), len(src))
	before := src[:off]
	line = 1 + strings.Count(before, "\n")
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, 1 + utf8.RuneCountInString(before)
}

// offset converts a CEL location (1-based line, 0-based column in code
// points) inside src into a byte offset.
func offset(src string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	for ; col > 0 && off < len(src); col-- {
		if src[off] == '\n' {
			break
		}
		_, size := utf8.DecodeRuneInString(src[off:])
		off += size
	}
	return off
}

// issueError converts the first CEL issue into an Error located in text,
// where the compiled expression starts at byte base of text.
func issueError(text string, base int, expr string, iss *cel.Issues, kind error) *Error {
	errs := iss.Errors()
	if len(errs) == 0 {
		return newError(text, base, kind, iss.String())
	}
	first := errs[0]
	off := base
	if loc := first.Location; loc != nil && loc.Line() > 0 {
		off = base + offset(expr, loc.Line(), loc.Column())
	}
	msg := strings.TrimSuffix(first.Message, " (in container '')")
	if n := len(errs) - 1; n == 1 {
		msg += " (and 1 more error)"
	} else if n > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", n)
	}
	return newError(text, off, kind, msg)
}
