package condition

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// Type names the type of a host function parameter or result. The zero value
// is invalid.
type Type int

// The types a host function may take and return, with the Go type its Impl
// sees for each.
const (
	String     Type = iota + 1 // CEL string; Go string
	Int                        // CEL int; Go int64
	Double                     // CEL double; Go float64
	Bool                       // CEL bool; Go bool
	Timestamp                  // CEL timestamp; Go time.Time
	Duration                   // CEL duration; Go time.Duration
	StringList                 // CEL list(string); Go []string
	Dyn                        // any of the above, checked at run time
)

var typeNames = [...]string{
	String:     "string",
	Int:        "int",
	Double:     "double",
	Bool:       "bool",
	Timestamp:  "timestamp",
	Duration:   "duration",
	StringList: "list(string)",
	Dyn:        "dyn",
}

// String returns the CEL name of the type, such as "list(string)".
func (t Type) String() string {
	if t.valid() {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

func (t Type) valid() bool { return t >= String && t <= Dyn }

func (t Type) cel() *cel.Type {
	switch t {
	case String:
		return cel.StringType
	case Int:
		return cel.IntType
	case Double:
		return cel.DoubleType
	case Bool:
		return cel.BoolType
	case Timestamp:
		return cel.TimestampType
	case Duration:
		return cel.DurationType
	case StringList:
		return cel.ListType(cel.StringType)
	}
	return cel.DynType
}

// Function is a host-defined function, callable from conditions and
// templates as Name(args…) (a global function, not a method).
//
// A Function is a plain value, registered through [EnvConfig].Functions;
// NewEnv copies it, so changing it afterwards does not change the Env.
type Function struct {
	// Name is the name flow authors call: letters, digits and underscores,
	// optionally qualified with dots (crm.owner_name), not starting with a
	// digit.
	Name string
	// Doc describes the function for flow authors.
	Doc string
	// Params are the parameter types; an empty list declares a function
	// without arguments.
	Params []Type
	// Result is the result type.
	Result Type
	// Impl computes the result. It receives one argument per parameter, as
	// the Go types listed with [Type] (a Dyn parameter receives whichever of
	// them the value has) and must return a value of the Go type of Result.
	// A non-nil error fails the evaluation with that error wrapped. Impl may
	// be called from several goroutines at once.
	Impl func(args ...any) (any, error)
}

var reservedWords = map[string]bool{
	"as": true, "break": true, "const": true, "continue": true, "else": true,
	"false": true, "for": true, "function": true, "if": true, "import": true,
	"in": true, "let": true, "loop": true, "package": true, "namespace": true,
	"null": true, "return": true, "true": true, "var": true, "void": true,
	"while": true,
}

func validIdent(s string) bool {
	if s == "" || reservedWords[s] {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func (f *Function) validate() error {
	if f.Name == "" {
		return fmt.Errorf("condition: function without a name")
	}
	for part := range strings.SplitSeq(f.Name, ".") {
		if !validIdent(part) {
			return fmt.Errorf("condition: function name %q is not a valid identifier", f.Name)
		}
	}
	if f.Impl == nil {
		return fmt.Errorf("condition: function %q has no Impl", f.Name)
	}
	for i, p := range f.Params {
		if !p.valid() {
			return fmt.Errorf("condition: function %q: parameter %d has invalid type %v", f.Name, i+1, p)
		}
	}
	if !f.Result.valid() {
		return fmt.Errorf("condition: function %q has invalid result type %v", f.Name, f.Result)
	}
	return nil
}

// envOption declares f, with a binding that converts between CEL values and
// the Go values Impl deals in.
func (f *Function) envOption() cel.EnvOption {
	params := make([]*cel.Type, len(f.Params))
	id := make([]string, 0, len(f.Params)+1)
	id = append(id, "host_"+strings.ReplaceAll(f.Name, ".", "_"))
	for i, p := range f.Params {
		params[i] = p.cel()
		id = append(id, strings.NewReplacer("(", "_", ")", "").Replace(p.String()))
	}
	fn := *f
	fn.Params = append([]Type(nil), f.Params...)
	call := func(args ...ref.Val) ref.Val { return fn.call(args) }
	var binding cel.OverloadOpt
	switch len(params) {
	case 1:
		binding = cel.UnaryBinding(func(a ref.Val) ref.Val { return fn.call([]ref.Val{a}) })
	case 2:
		binding = cel.BinaryBinding(func(a, b ref.Val) ref.Val { return fn.call([]ref.Val{a, b}) })
	default:
		binding = cel.FunctionBinding(call)
	}
	opts := []cel.FunctionOpt{cel.Overload(strings.Join(id, "_"), params, f.Result.cel(), binding)}
	if f.Doc != "" {
		opts = append([]cel.FunctionOpt{cel.FunctionDocs(f.Doc)}, opts...)
	}
	return cel.Function(f.Name, opts...)
}

func (f *Function) call(args []ref.Val) ref.Val {
	goArgs := make([]any, len(args))
	for i, a := range args {
		if types.IsUnknownOrError(a) {
			return a
		}
		v, err := fromVal(a, f.Params[i])
		if err != nil {
			return types.NewErr("%s: argument %d: %v", f.Name, i+1, err)
		}
		goArgs[i] = v
	}
	out, err := f.Impl(goArgs...)
	if err != nil {
		return types.WrapErr(fmt.Errorf("%s: %w", f.Name, err))
	}
	if !goTypeMatches(out, f.Result) {
		return types.NewErr("%s returned %T, want %v", f.Name, out, f.Result)
	}
	return toVal(out)
}

// goTypeMatches reports whether v has the Go type of t.
func goTypeMatches(v any, t Type) bool {
	switch v.(type) {
	case string:
		return t == String || t == Dyn
	case int64:
		return t == Int || t == Dyn
	case float64:
		return t == Double || t == Dyn
	case bool:
		return t == Bool || t == Dyn
	case time.Time:
		return t == Timestamp || t == Dyn
	case time.Duration:
		return t == Duration || t == Dyn
	case []string:
		return t == StringList || t == Dyn
	}
	return false
}

var stringSliceType = reflect.TypeFor[[]string]()

// fromVal converts a CEL value into the Go value a host function expects for
// a parameter of type t.
func fromVal(v ref.Val, t Type) (any, error) {
	switch x := v.(type) {
	case types.String:
		return string(x), nil
	case types.Int:
		return int64(x), nil
	case types.Uint:
		if t == Dyn && uint64(x) <= math.MaxInt64 {
			return int64(x), nil
		}
	case types.Double:
		return float64(x), nil
	case types.Bool:
		return bool(x), nil
	case types.Timestamp:
		return x.Time, nil
	case types.Duration:
		return x.Duration, nil
	case traits.Lister:
		l, err := x.ConvertToNative(stringSliceType)
		if err == nil {
			return l, nil
		}
		return nil, fmt.Errorf("want a list of strings: %v", err)
	}
	return nil, fmt.Errorf("unsupported value of type %s", v.Type().TypeName())
}
