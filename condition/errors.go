package condition

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
)

var (
	// ErrSyntax is the kind (the Err) of an [Error] for text that does not
	// parse: a malformed expression, an unclosed {{ or a malformed default.
	ErrSyntax = errors.New("condition: syntax error")
	// ErrType is the kind of an [Error] for an expression that parses but does
	// not type-check, such as an undeclared variable or a function called with
	// the wrong arguments.
	ErrType = errors.New("condition: type error")
	// ErrNotBoolean is the kind of an [Error] for a condition whose static type
	// is not bool.
	ErrNotBoolean = errors.New("condition: not a boolean expression")
	// ErrTooLarge is the kind of an [Error] for text over the limits of the
	// [Env]: longer than [EnvConfig].MaxSourceSize or nested deeper than
	// [EnvConfig].MaxNesting. Compiling such text could take seconds.
	ErrTooLarge = errors.New("condition: expression too large")
	// ErrEval is wrapped by the errors of [Condition.Eval] that happen while
	// evaluating, such as reading an absent key or a failing host function.
	ErrEval = errors.New("condition: evaluation error")
	// ErrCostLimit is wrapped by the error of [Condition.Eval] when an
	// evaluation exceeds the cost limit of the [Env].
	ErrCostLimit = errors.New("condition: cost limit exceeded")
)

// Error is one problem in what a flow author wrote: a condition or template
// that does not compile, or a bad value in a flow section. It is the one
// error type of the module for "this is wrong, and here is where": the
// packages that read flows (targeting, consent, availability, and the action
// and engine packages above them) all report their problems as *Error, so a
// host lists a flow's problems with [Problems] whatever found them.
//
// Use [errors.As] to get it, and [errors.Is] with the kind in Err to
// classify it. An *Error is a plain value: copy it to change it, as
// [WithPath] does.
type Error struct {
	// Path is the JSON path of the culprit, such as
	// "actions[3].settings.listId". A package's own validation (a targeting
	// spec, a consent policy, a schedule) returns paths relative to the
	// validated section; the caller that embeds it adds its own prefix with
	// [WithPath]. "" when not known, as for [Env.Compile], which sees only
	// the expression.
	Path string
	// Action is the name of the flow action concerned, if any.
	Action string
	// Source is the expression or template text, when the problem lies
	// inside one.
	Source string
	// Line and Column give the 1-based position of the problem in Source;
	// the column counts characters (Unicode code points), not bytes. Both
	// are 0 when not applicable.
	Line, Column int
	// Msg says what is wrong.
	Msg string
	// Err is the kind or cause of the problem, matchable with [errors.Is]:
	// ErrSyntax, ErrType, ErrNotBoolean or ErrTooLarge for expressions and
	// templates, a package's ErrInvalid (targeting.ErrInvalid,
	// consent.ErrInvalid, availability.ErrInvalid) for a bad section, or an
	// underlying error. It may be nil.
	Err error
}

// Error formats the problem as
// "<path> (action <name>): line L, column C: <msg>", leaving out the parts
// that are empty or zero, e.g. "line 1, column 9: undeclared reference to
// 'foo'" or "pageRules[2].value: bad regular expression: …". When Msg is
// empty, the text of Err stands in for it.
func (e *Error) Error() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Path)
	if e.Action != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("(action ")
		b.WriteString(e.Action)
		b.WriteByte(')')
	}
	if e.Line > 0 {
		sep()
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(", column ")
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg != "" {
		sep()
		b.WriteString(msg)
	}
	return b.String()
}

// Unwrap returns Err, so that errors.Is matches the kind or cause.
func (e *Error) Unwrap() error { return e.Err }

// Problems returns every *Error in err, in order: err itself, the errors
// joined with errors.Join, and those wrapped (with fmt.Errorf's %w or any
// Unwrap method), at any depth. It does not look inside an *Error: its Err
// is its cause, not another problem. It returns nil when err holds none.
func Problems(err error) []*Error {
	var out []*Error
	walkProblems(err, func(e *Error) { out = append(out, e) })
	return out
}

func walkProblems(err error, f func(*Error)) {
	switch e := err.(type) {
	case nil:
	case *Error:
		if e != nil {
			f(e)
		}
	case interface{ Unwrap() []error }:
		for _, x := range e.Unwrap() {
			walkProblems(x, f)
		}
	case interface{ Unwrap() error }:
		walkProblems(e.Unwrap(), f)
	}
}

// WithPath places the problems in err inside a larger document: it returns
// a copy of every *Error in err (found as [Problems] finds them) with prefix
// joined in front of its Path ("targeting" and "pageRules[2].value" make
// "targeting.pageRules[2].value"; a path starting with "[" is appended as
// is) and with Action set to action where it was empty. Any other error
// becomes a new *Error{Path: prefix, Action: action, Msg: err.Error(),
// Err: err}; so does an error that wraps other errors but no *Error. The
// results are joined with errors.Join, in order. WithPath returns nil for a
// nil err; it never modifies the problems of err.
func WithPath(err error, prefix, action string) error {
	if err == nil {
		return nil
	}
	var out []error
	withPath(err, prefix, action, &out)
	return errors.Join(out...)
}

func withPath(err error, prefix, action string, out *[]error) {
	switch e := err.(type) {
	case nil:
		return
	case *Error:
		if e == nil {
			return
		}
		c := *e
		c.Path = joinPath(prefix, e.Path)
		if c.Action == "" {
			c.Action = action
		}
		*out = append(*out, &c)
		return
	case interface{ Unwrap() []error }:
		if hasProblem(err) {
			for _, x := range e.Unwrap() {
				withPath(x, prefix, action, out)
			}
			return
		}
	case interface{ Unwrap() error }:
		if hasProblem(err) {
			withPath(e.Unwrap(), prefix, action, out)
			return
		}
	}
	*out = append(*out, &Error{Path: prefix, Action: action, Msg: err.Error(), Err: err})
}

func hasProblem(err error) bool {
	found := false
	walkProblems(err, func(*Error) { found = true })
	return found
}

// joinPath puts prefix in front of a JSON path.
func joinPath(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	case path[0] == '[':
		return prefix + path
	}
	return prefix + "." + path
}

// newError builds an Error located at byte offset off of src.
func newError(src string, off int, kind error, msg string) *Error {
	line, col := position(src, off)
	return &Error{Source: src, Line: line, Column: col, Msg: msg, Err: kind}
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
