package condition

import (
	"context"
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// Condition is a compiled boolean expression, the test of an if/then branch.
// Get one from [Env.Compile].
//
// The zero value is not usable; a compiled Condition is immutable and safe for
// concurrent use.
type Condition struct {
	src  string
	prog program
	vars varSet // the top-level variables the expression reads
	// opens are the schedule names passed to open().
	opens openCalls
}

// Compile parses and type-checks a condition. Its static type must be bool:
// contact.x == "a" is accepted, but contact.x alone (of type dyn) is rejected
// with [ErrNotBoolean]. Text over the limits of the Env is rejected with
// [ErrTooLarge]. Problems are reported as an *[Error].
func (e *Env) Compile(expr string) (*Condition, error) {
	if e == nil || e.cel == nil {
		return nil, errNoEnv
	}
	if err := e.checkSize(expr); err != nil {
		return nil, err
	}
	regexBudget := e.maxRegexSize
	checked, cerr := e.compile(expr, 0, expr, &regexBudget)
	if cerr != nil {
		return nil, cerr
	}
	if t := checked.OutputType(); !t.IsExactType(cel.BoolType) {
		return nil, newError(expr, firstNonSpace(expr, 0, len(expr)), ErrNotBoolean,
			fmt.Sprintf("a condition must be a boolean expression, this one has type %s (compare the value, e.g. contact.x == \"a\")", t))
	}
	p, err := e.program(checked)
	if err != nil {
		return nil, newError(expr, 0, ErrType, err.Error())
	}
	x := checked.NativeRep().Expr()
	return &Condition{src: expr, prog: p, vars: usedVars(x, nil), opens: openNamesOf(x)}, nil
}

// Uses reports whether the condition reads the top-level variable named
// variable, such as "available" or "contact" (see [Vars] for the names).
// It is decided from the compiled expression, not from its text: "available"
// inside a string literal, a map key or a field name (contact.available),
// or a loop variable that happens to share the name, is not a use. A caller
// can thus skip computing a variable that no condition reads.
func (c *Condition) Uses(variable string) bool { return c.vars.has(variable) }

// Source returns the text the condition was compiled from.
func (c *Condition) Source() string { return c.src }

// String returns the text the condition was compiled from.
func (c *Condition) String() string { return c.src }

// Eval evaluates the condition with the variables v (nil means the zero
// [Vars]). An evaluation error, such as reading an absent key or a failing
// host function, is returned wrapping [ErrEval]; going over the cost limit
// returns an error wrapping [ErrCostLimit]. A cancelled ctx stops the
// evaluation before it starts and, for expressions that iterate, during it,
// unless the evaluation cannot cost more than [DefaultCostLimit] (as when
// the lists it iterates over are short), which runs to its end. The error
// then wraps both ErrEval and ctx's error.
func (c *Condition) Eval(ctx context.Context, v *Vars) (bool, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	out, err := c.prog.eval(ctx, v)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("%w: result is %s, not bool", ErrEval, out.Type().TypeName())
	}
	return bool(b), nil
}

// program is a compiled CEL expression with the way it must be run.
//
// The cost limit is enforced by a tracker that costs time and allocations
// at every step, so it is avoided whenever the static cost estimate proves
// the limit cannot be reached: always for fast, and, for fastShortAnswer,
// whenever the answer is at most maxAnswerSize bytes long (comparisons and
// string functions on the answer are common and only their input size is
// unknown). Otherwise tracked runs with the limit enforced.
//
// An expression whose cost depends on the size of the values it reads
// from the map variables runs fast when those values are small (see
// sizedInputs).
//
// A test of whether a list holds a string ("vip" in contact.tags,
// contact.tags.exists(t, t == "vip")) is unbounded, and CEL is slow at it
// with cost tracking; member then evaluates it over the Go value instead,
// charging the same cost, and leaves to CEL only the inputs it does not
// handle (see membership).
type program struct {
	fast            cel.Program
	fastShortAnswer bool
	tracked         cel.Program
	// loops is true when the expression has comprehensions (all, exists,
	// map, filter…), the only constructs during which polling the context
	// makes sense.
	loops bool
	limit uint64
	// member, when not nil, evaluates the expression without CEL for the
	// inputs it handles.
	member *membership
	// sized, when not nil, says for which inputs fast runs (see
	// sizedInputs).
	sized *sizedInputs
	// native, when not nil, evaluates the expression without CEL where
	// fast would run, for the inputs it handles.
	native *native
}

// maxAnswerSize is the answer length, in bytes, assumed when estimating the
// cost of an expression on the answer.
const maxAnswerSize = 2048

// interruptEvery is how many comprehension iterations run between two checks
// of the context.
const interruptEvery = 100

func (e *Env) program(checked *cel.Ast) (program, error) {
	expr := checked.NativeRep().Expr()
	p := program{loops: hasLoops(checked), limit: e.costLimit, member: membershipOf(expr)}
	boundedBy := func(est cost.Estimator, limit uint64) bool {
		c, err := e.cel.EstimateCost(checked, est)
		return err == nil && c.Max <= limit
	}
	// Whether, and for which inputs, the expression may run untracked.
	always := boundedBy(noEstimates{}, e.costLimit)
	switch {
	case always:
	case boundedBy(shortAnswer{}, e.costLimit):
		p.fastShortAnswer = true
	default:
		if reads, ok := inputReadsOf(expr); ok {
			for _, b := range sizeBounds {
				if boundedBy(boundedInputs{bound: b}, min(e.costLimit, DefaultCostLimit)) {
					p.sized = &sizedInputs{bound: b, reads: reads}
					break
				}
			}
		}
	}
	var err error
	if always || p.fastShortAnswer || p.sized != nil {
		if p.fast, err = e.cel.Program(checked, cel.EvalOptions(cel.OptOptimize)); err != nil {
			return p, err
		}
		p.native = nativeOf(expr)
	}
	if always {
		return p, nil
	}
	p.tracked, err = e.cel.Program(checked, cel.EvalOptions(cel.OptOptimize),
		cel.CostLimit(e.costLimit), cel.InterruptCheckFrequency(interruptEvery))
	return p, err
}

func (p *program) eval(ctx context.Context, v *Vars) (ref.Val, error) {
	if p.fast == nil && p.tracked == nil {
		return nil, fmt.Errorf("%w: not compiled", ErrEval)
	}
	if v == nil {
		v = &zeroVars
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEval, context.Cause(ctx))
	}
	fast := p.fast != nil && (!p.fastShortAnswer || len(v.Answer) <= maxAnswerSize) &&
		(p.sized == nil || p.sized.fits(v))
	if fast && p.native != nil {
		if b, ok := p.native.run(v); ok {
			return types.Bool(b), nil
		}
	}
	if p.member != nil {
		limit, done := unmetered, (<-chan struct{})(nil)
		if !fast {
			limit = p.limit
			if p.loops {
				done = ctx.Done()
			}
		}
		switch found, _, res := p.member.eval(v, limit, done); res {
		case decided:
			return types.Bool(found), nil
		case overLimit:
			return nil, p.costLimitError()
		}
	}
	var (
		out ref.Val
		err error
	)
	switch {
	case fast:
		out, _, err = p.fast.Eval(activation{v})
	case p.loops && ctx.Done() != nil:
		out, _, err = p.tracked.ContextEval(ctx, activation{v})
	default:
		// Polling a context that can never be cancelled (Done returns nil),
		// or outside of loops, buys nothing.
		out, _, err = p.tracked.Eval(activation{v})
	}
	if err != nil {
		return nil, p.evalError(err)
	}
	return out, nil
}

func (p *program) evalError(err error) error {
	var cancelled interpreter.EvalCancelledError
	if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
		return p.costLimitError()
	}
	return fmt.Errorf("%w: %w", ErrEval, err)
}

func (p *program) costLimitError() error {
	return fmt.Errorf("%w (limit %d)", ErrCostLimit, p.limit)
}

func hasLoops(a *cel.Ast) bool {
	loops := false
	ast.PostOrderVisit(a.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() == ast.ComprehensionKind {
			loops = true
		}
	}))
	return loops
}

// noEstimates lets the estimator assume the worst about input sizes.
type noEstimates struct{}

func (noEstimates) EstimateSize(cost.AstNode) *cost.SizeEstimate { return nil }

func (noEstimates) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// shortAnswer bounds the size of the answer to maxAnswerSize.
type shortAnswer struct{ noEstimates }

func (shortAnswer) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if p := n.Path(); len(p) == 1 && p[0] == "answer" {
		return &cost.SizeEstimate{Min: 0, Max: maxAnswerSize}
	}
	return nil
}

func firstNonSpace(s string, from, to int) int {
	for i := from; i < to; i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return from
}
