package condition

import (
	"context"
	"strings"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
)

// Template is a compiled message text with {{ … }} tokens (see the package
// documentation for the syntax). Get one from [Env.CompileTemplate].
//
// The zero value renders as the empty string; a compiled Template is
// immutable and safe for concurrent use.
type Template struct {
	src   string
	parts []part
	// static is the rendered text of a template without tokens.
	static string
	// size is the length of the literal text, a hint for the output buffer.
	size int
	// vars are the top-level variables the tokens read.
	vars varSet
}

// part is a piece of literal text (when tok is nil) or a token.
type part struct {
	text string
	tok  *token
}

// token is a compiled {{ … }}.
type token struct {
	opens openCalls // the schedule names passed to open()
	def   string    // the default, "" when none
	fast  fastPath
	prog  program // used when fast.kind == viaCEL
}

type fastKind int

const (
	viaCEL fastKind = iota
	fastAnswer
	fastAvailable
	fastNow
	fastLookup
)

// fastPath reads a plain variable or a map entry (contact.firstname)
// straight from the Vars, without running CEL.
type fastPath struct {
	kind  fastKind
	v     string // the map variable, for fastLookup
	field string // the key, for fastLookup
}

// CompileTemplate compiles a message template, compiling every token. Syntax
// and type errors are reported as an *[Error] with the line and column in
// text; a token may have any type. Text over the limits of the Env is
// rejected with [ErrTooLarge].
func (e *Env) CompileTemplate(text string) (*Template, error) {
	if e == nil || e.cel == nil {
		return nil, errNoEnv
	}
	if err := e.checkSize(text); err != nil {
		return nil, err
	}
	t := &Template{src: text}
	regexBudget := e.maxRegexSize
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{text: lit.String()})
			t.size += lit.Len()
			lit.Reset()
		}
	}
	i := 0
	for {
		j := strings.Index(text[i:], "{{")
		if j < 0 {
			lit.WriteString(text[i:])
			break
		}
		j += i
		if j > i && text[j-1] == '\\' {
			// \{{ is a literal {{.
			lit.WriteString(text[i : j-1])
			lit.WriteString("{{")
			i = j + 2
			continue
		}
		lit.WriteString(text[i:j])
		end := tokenEnd(text, j+2)
		if end < 0 {
			return nil, newError(text, j, ErrSyntax, "unclosed {{: a token ends with }}")
		}
		tok, vars, err := e.compileToken(text, j, end, &regexBudget)
		if err != nil {
			return nil, err
		}
		t.vars |= vars
		flush()
		t.parts = append(t.parts, part{tok: tok})
		i = end + 2
	}
	flush()
	if !t.IsStatic() {
		return t, nil
	}
	if len(t.parts) == 1 {
		t.static = t.parts[0].text
	}
	t.parts = nil
	return t, nil
}

// tokenEnd returns the index of the "}}" closing the token whose body
// starts at from, skipping string literals and nested braces, or -1.
func tokenEnd(s string, from int) int {
	depth := 0
	for i := from; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'':
			raw := i > from && (s[i-1] == 'r' || s[i-1] == 'R')
			end := stringEnd(s, i, raw)
			if end < 0 {
				return -1
			}
			i = end - 1
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			} else if i+1 < len(s) && s[i+1] == '}' {
				return i
			}
		}
	}
	return -1
}

// stringEnd returns the index just past the CEL string literal whose opening
// quote is at s[i], or -1 if it is not terminated.
func stringEnd(s string, i int, raw bool) int {
	q := s[i : i+1]
	if strings.HasPrefix(s[i:], q+q+q) {
		q = q + q + q
	}
	for j := i + len(q); j < len(s); j++ {
		switch {
		case s[j] == '\\' && !raw:
			j++
		case strings.HasPrefix(s[j:], q):
			return j + len(q)
		case s[j] == '\n' && len(q) == 1:
			return -1
		}
	}
	return -1
}

// filterStart returns the index of the | introducing a filter in the token
// body s[from:to], or -1.
func filterStart(s string, from, to int) int {
	depth := 0
	for i := from; i < to; i++ {
		switch c := s[i]; c {
		case '"', '\'':
			raw := i > from && (s[i-1] == 'r' || s[i-1] == 'R')
			end := stringEnd(s, i, raw)
			if end < 0 || end > to {
				return -1
			}
			i = end - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '|':
			if i+1 < to && s[i+1] == '|' {
				i++ // the || operator
				continue
			}
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// compileToken compiles the token spanning text[open:end+2] ("{{ … }}") and
// reports the top-level variables it reads. Its regular expressions take
// their size out of *regexBudget.
func (e *Env) compileToken(text string, open, end int, regexBudget *int) (*token, varSet, error) {
	start := open + 2
	exprEnd := end
	tok := &token{}
	if bar := filterStart(text, start, end); bar >= 0 {
		def, err := e.parseDefault(text, bar+1, end)
		if err != nil {
			return nil, 0, err
		}
		tok.def = def
		exprEnd = bar
	}
	expr := text[start:exprEnd]
	if strings.TrimSpace(expr) == "" {
		return nil, 0, newError(text, open, ErrSyntax, "empty token: write an expression between {{ and }}")
	}
	checked, cerr := e.compile(text, start, expr, regexBudget)
	if cerr != nil {
		return nil, 0, cerr
	}
	x := checked.NativeRep().Expr()
	tok.fast = fastPathOf(x)
	tok.opens = openNamesOf(x)
	if tok.fast.kind == viaCEL {
		p, err := e.program(checked)
		if err != nil {
			return nil, 0, newError(text, firstNonSpace(text, start, exprEnd), ErrType, err.Error())
		}
		tok.prog = p
	}
	return tok, usedVars(x, nil), nil
}

// parseDefault parses the filter text[from:to], which must read
// default("…") or default('…'), and returns the default value.
func (e *Env) parseDefault(text string, from, to int) (string, error) {
	bad := func(at int) error {
		return newError(text, at, ErrSyntax, `a token filter must read default("text") or default('text')`)
	}
	i := firstNonSpace(text, from, to)
	if !strings.HasPrefix(text[i:to], "default") {
		return "", bad(i)
	}
	i = firstNonSpace(text, i+len("default"), to)
	if i >= to || text[i] != '(' {
		return "", bad(i)
	}
	closing := strings.LastIndexByte(text[i:to], ')')
	if closing < 0 || strings.TrimSpace(text[i+closing+1:to]) != "" {
		return "", bad(i)
	}
	argStart, argEnd := i+1, i+closing
	arg := text[argStart:argEnd]
	at := firstNonSpace(text, argStart, argEnd)
	parsed, perr := e.parse(text, argStart, arg)
	if perr != nil {
		return "", perr
	}
	x := parsed.NativeRep().Expr()
	if x.Kind() == ast.LiteralKind {
		if s, ok := x.AsLiteral().(types.String); ok {
			return string(s), nil
		}
	}
	return "", newError(text, at, ErrSyntax, `the default must be a string literal, e.g. default("there")`)
}

// fastPathOf recognizes the tokens that read a variable or a map entry.
func fastPathOf(x ast.Expr) fastPath {
	switch x.Kind() {
	case ast.IdentKind:
		switch x.AsIdent() {
		case "answer":
			return fastPath{kind: fastAnswer}
		case "available":
			return fastPath{kind: fastAvailable}
		case "now":
			return fastPath{kind: fastNow}
		}
	case ast.SelectKind:
		sel := x.AsSelect()
		if sel.IsTestOnly() || sel.Operand().Kind() != ast.IdentKind {
			break
		}
		name := sel.Operand().AsIdent()
		if zeroVars.lookupVar(name) != nil {
			return fastPath{kind: fastLookup, v: name, field: sel.FieldName()}
		}
	}
	return fastPath{}
}

// Source returns the text the template was compiled from.
func (t *Template) Source() string { return t.src }

// IsStatic reports whether the template has no tokens, so that it renders
// the same text whatever the variables.
func (t *Template) IsStatic() bool {
	for _, p := range t.parts {
		if p.tok != nil {
			return false
		}
	}
	return true
}

// Uses reports whether any token of the template reads the top-level
// variable named variable, such as "available" or "contact" (see [Vars] for
// the names). It is decided from the compiled tokens, not from the text: a
// static template such as "we are unavailable" uses nothing, and neither
// does "available" in a string literal of a token or in a default.
func (t *Template) Uses(variable string) bool { return t.vars.has(variable) }

// Render renders the template with the variables v (nil means the zero
// [Vars]). It never fails: a token whose value is absent, empty or fails to
// evaluate renders its default, or nothing without one. Values are inserted
// as they are, never evaluated.
func (t *Template) Render(v *Vars) string {
	if len(t.parts) == 0 {
		return t.static
	}
	if v == nil {
		v = &zeroVars
	}
	var b strings.Builder
	b.Grow(t.size + 16*len(t.parts))
	for i := range t.parts {
		p := &t.parts[i]
		if p.tok == nil {
			b.WriteString(p.text)
			continue
		}
		s, ok := p.tok.value(v)
		if !ok || s == "" {
			s = p.tok.def
		}
		b.WriteString(s)
	}
	return b.String()
}

// value renders the token; ok is false when the value is absent or fails.
func (tok *token) value(v *Vars) (string, bool) {
	switch tok.fast.kind {
	case fastAnswer:
		return v.Answer, true
	case fastAvailable:
		return formatBool(v.Available), true
	case fastNow:
		return formatTime(v.Now), true
	case fastLookup:
		l := *v.lookupVar(tok.fast.v)
		if l == nil {
			return "", false
		}
		x, ok := l.Lookup(tok.fast.field)
		if !ok || x == nil {
			return "", false
		}
		return formatGo(x)
	}
	out, err := tok.prog.eval(context.Background(), v)
	if err != nil {
		return "", false
	}
	return formatVal(out)
}
