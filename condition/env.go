package condition

import (
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
)

// DefaultCostLimit is the cost limit of an [Env] whose [EnvConfig] leaves
// CostLimit at zero. It is far above what a branch condition needs
// (comparing a value with a constant costs 2 or 3, lowering the case of a
// 100-character answer about 110) while stopping runaway iterations early.
const DefaultCostLimit = 10_000

// EnvConfig configures [NewEnv]. The zero EnvConfig gives the standard
// environment: no host functions, [DefaultCostLimit], and the default
// compile limits [DefaultMaxSourceSize], [DefaultMaxNesting] and
// [DefaultMaxRegexSize].
type EnvConfig struct {
	// Functions are host functions callable from conditions and templates
	// as Name(args…). Each name may be registered once and must not be the
	// name of a built-in function. Their Impl is called during evaluation,
	// possibly from several goroutines at once. NewEnv copies the slice.
	Functions []Function
	// CostLimit is the maximum cost of one evaluation; 0 means
	// [DefaultCostLimit]. The cost counts the operations performed, with
	// string and list operations weighted by size. An evaluation that goes
	// over the limit is stopped and fails with an error matching
	// [ErrCostLimit].
	//
	// Expressions whose cost is bounded by their text (answer == "yes",
	// contact.numemployees > 50) are proved to stay under the limit when
	// they are compiled and then run without any accounting; the others are
	// metered as they run.
	CostLimit uint64
	// MaxSourceSize is the longest text, in bytes, that [Env.Compile] and
	// [Env.CompileTemplate] accept; 0 means [DefaultMaxSourceSize]. Longer
	// text is rejected with an *[Error] of kind [ErrTooLarge] before any
	// parsing.
	MaxSourceSize int
	// MaxNesting is how deeply an expression (a condition or one template
	// token) may nest: every parenthesis, list, map, call, index and
	// conditional opens a level, and so does every link of a chain of
	// arithmetic or comparison operators, field selections or method calls
	// (chains of && and || do not); 0 means [DefaultMaxNesting]. A deeper expression is rejected with an
	// *[Error] of kind [ErrTooLarge]. Type-checking time grows quickly with
	// nesting, so raise it only with care.
	MaxNesting int
	// MaxRegexSize bounds the regular expressions written as string
	// literals, as in answer.matches("^[0-9]{5}$"), of one condition or
	// template together: about the number of instructions of their
	// compiled programs, counting a repetition a{n} as n times a; 0 means
	// [DefaultMaxRegexSize]. Larger patterns are rejected with an *[Error]
	// of kind [ErrTooLarge].
	MaxRegexSize int
}

// Env is the environment conditions and templates are compiled in: the
// variables of [Vars], the standard and extension functions, and the host
// functions. Build it once with [NewEnv] (that is not cheap) and reuse it for
// all flows.
//
// The zero value is not usable; an Env from NewEnv is immutable and safe for
// concurrent use.
type Env struct {
	cel           *cel.Env
	costLimit     uint64
	maxSourceSize int
	maxNesting    int
	maxRegexSize  int
}

// NewEnv builds an environment. It fails when a limit is negative or a host
// function is badly declared: an empty or invalid name, a name registered
// twice or taken by a built-in function, an unknown parameter or result
// type, or a nil Impl.
func NewEnv(cfg EnvConfig) (*Env, error) {
	if cfg.CostLimit == 0 {
		cfg.CostLimit = DefaultCostLimit
	}
	if cfg.MaxSourceSize < 0 || cfg.MaxNesting < 0 || cfg.MaxRegexSize < 0 {
		return nil, fmt.Errorf("condition: negative limit (MaxSourceSize %d, MaxNesting %d, MaxRegexSize %d)",
			cfg.MaxSourceSize, cfg.MaxNesting, cfg.MaxRegexSize)
	}
	if cfg.MaxSourceSize == 0 {
		cfg.MaxSourceSize = DefaultMaxSourceSize
	}
	if cfg.MaxNesting == 0 {
		cfg.MaxNesting = DefaultMaxNesting
	}
	if cfg.MaxRegexSize == 0 {
		cfg.MaxRegexSize = DefaultMaxRegexSize
	}
	base, err := baseEnv(cfg)
	if err != nil {
		return nil, fmt.Errorf("condition: building environment: %w", err)
	}
	env := base
	if len(cfg.Functions) > 0 {
		existing := base.Functions()
		seen := make(map[string]bool, len(cfg.Functions))
		fnOpts := make([]cel.EnvOption, 0, len(cfg.Functions))
		for _, f := range cfg.Functions {
			if err := f.validate(); err != nil {
				return nil, err
			}
			if seen[f.Name] {
				return nil, fmt.Errorf("condition: function %q registered twice", f.Name)
			}
			if _, ok := existing[f.Name]; ok {
				return nil, fmt.Errorf("condition: function %q is a built-in function", f.Name)
			}
			seen[f.Name] = true
			fnOpts = append(fnOpts, f.envOption())
		}
		env, err = base.Extend(fnOpts...)
		if err != nil {
			return nil, fmt.Errorf("condition: declaring functions: %w", err)
		}
	}
	return &Env{cel: env, costLimit: cfg.CostLimit, maxSourceSize: cfg.MaxSourceSize,
		maxNesting: cfg.MaxNesting, maxRegexSize: cfg.MaxRegexSize}, nil
}

// baseEnv declares the variables of Vars and the libraries flow authors get.
func baseEnv(cfg EnvConfig) (*cel.Env, error) {
	anyMap := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
		// The parser enforces the nesting limit; its own size limit counts
		// code points and so never trips before ours, which counts bytes.
		cel.ParserRecursionLimit(cfg.MaxNesting),
		cel.ParserExpressionSizeLimit(cfg.MaxSourceSize),
		cel.OptionalTypes(),
		ext.Strings(),
		cel.CrossTypeNumericComparisons(true),
		cel.VariableWithDoc("answer", cel.StringType, "the visitor's current answer"),
		cel.VariableWithDoc("contact", anyMap, "contact properties"),
		cel.VariableWithDoc("company", anyMap, "company properties"),
		cel.VariableWithDoc("answers", anyMap, "earlier answers by action name"),
		cel.VariableWithDoc("session", anyMap, "session facts"),
		cel.VariableWithDoc("visitor", anyMap, "visitor facts"),
		cel.VariableWithDoc("page", anyMap, "page facts"),
		cel.VariableWithDoc("available", cel.BoolType, "whether a team member is available"),
		cel.VariableWithDoc("now", cel.TimestampType, "the current time"),
		openDecl(),
	)
}

var errNoEnv = errors.New("condition: Env not built with NewEnv")

// CostLimit reports the cost limit of one evaluation.
func (e *Env) CostLimit() uint64 { return e.costLimit }

// MaxSourceSize reports the longest text, in bytes, that the Env compiles.
func (e *Env) MaxSourceSize() int { return e.maxSourceSize }

// MaxNesting reports how deeply an expression compiled by the Env may nest.
func (e *Env) MaxNesting() int { return e.maxNesting }

// MaxRegexSize reports the limit on regular expression literals.
func (e *Env) MaxRegexSize() int { return e.maxRegexSize }

// compile parses and checks expr, reporting problems at their position in
// text, where expr starts at byte base. The regular expressions of expr
// take their size out of *regexBudget, shared by the expressions of one
// text.
func (e *Env) compile(text string, base int, expr string, regexBudget *int) (*cel.Ast, *Error) {
	parsed, perr := e.parse(text, base, expr)
	if perr != nil {
		return nil, perr
	}
	checked, iss := e.cel.Check(parsed)
	if iss != nil && iss.Err() != nil {
		return nil, issueError(text, base, expr, iss, ErrType)
	}
	if err := e.checkRegexes(text, base, expr, checked, regexBudget); err != nil {
		return nil, err
	}
	return checked, nil
}
