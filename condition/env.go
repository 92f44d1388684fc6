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
// environment: no host functions and [DefaultCostLimit].
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
}

// Env is the environment conditions and templates are compiled in: the
// variables of [Vars], the standard and extension functions, and the host
// functions. Build it once with [NewEnv] (that is not cheap) and reuse it for
// all flows.
//
// The zero value is not usable; an Env from NewEnv is immutable and safe for
// concurrent use.
type Env struct {
	cel       *cel.Env
	costLimit uint64
}

// NewEnv builds an environment. It fails when a host function is badly
// declared: an empty or invalid name, a name registered twice or taken by a
// built-in function, an unknown parameter or result type, or a nil Impl.
func NewEnv(cfg EnvConfig) (*Env, error) {
	if cfg.CostLimit == 0 {
		cfg.CostLimit = DefaultCostLimit
	}
	base, err := baseEnv()
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
	return &Env{cel: env, costLimit: cfg.CostLimit}, nil
}

// baseEnv declares the variables of Vars and the libraries flow authors get.
func baseEnv() (*cel.Env, error) {
	anyMap := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
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
	)
}

var errNoEnv = errors.New("condition: Env not built with NewEnv")

// CostLimit reports the cost limit of one evaluation.
func (e *Env) CostLimit() uint64 { return e.costLimit }

// compile parses and checks expr, reporting problems at their position in
// text, where expr starts at byte base.
func (e *Env) compile(text string, base int, expr string) (*cel.Ast, *Error) {
	parsed, iss := e.cel.Parse(expr)
	if iss != nil && iss.Err() != nil {
		return nil, issueError(text, base, expr, iss, ErrSyntax)
	}
	checked, iss := e.cel.Check(parsed)
	if iss != nil && iss.Err() != nil {
		return nil, issueError(text, base, expr, iss, ErrType)
	}
	return checked, nil
}
