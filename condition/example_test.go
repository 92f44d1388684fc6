package condition_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chatflow/chatflow/condition"
)

func ExampleEnv_Compile() {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		panic(err)
	}
	// Compile once, when the flow is loaded.
	big, err := env.Compile(`contact.numemployees > 50 && answers.ask_budget == "large"`)
	if err != nil {
		panic(err)
	}
	// Evaluate at every turn.
	vars := &condition.Vars{
		Contact: condition.Map{"numemployees": int64(120)},
		Answers: condition.Map{"ask_budget": "large"},
	}
	ok, err := big.Eval(context.Background(), vars)
	fmt.Println(ok, err)

	// Reading an absent property is an error; has() tests for it.
	ok, err = big.Eval(context.Background(), &condition.Vars{})
	fmt.Println(ok, errors.Is(err, condition.ErrEval))
	safe, _ := env.Compile(`has(contact.numemployees) && contact.numemployees > 50`)
	ok, err = safe.Eval(context.Background(), &condition.Vars{})
	fmt.Println(ok, err)
	// Output:
	// true <nil>
	// false true
	// false <nil>
}

func ExampleEnv_Compile_errors() {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		panic(err)
	}
	for _, expr := range []string{
		`answer == "yes" && contact.plan = "pro"`,
		`answer == "yes" || contac.plan == "pro"`,
		`contact.subscribed`,
	} {
		_, err := env.Compile(expr)
		var cerr *condition.Error
		if errors.As(err, &cerr) {
			fmt.Printf("%v at %d:%d\n", cerr.Err, cerr.Line, cerr.Column)
		}
	}
	_, err = env.Compile(`answer == "yes" || contac.plan == "pro"`)
	fmt.Println(err)
	// Output:
	// condition: syntax error at 1:33
	// condition: type error at 1:20
	// condition: not a boolean expression at 1:1
	// line 1, column 20: undeclared reference to 'contac' (did you mean 'contact'?)
}

func ExampleEnv_CompileTemplate() {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		panic(err)
	}
	tmpl, err := env.CompileTemplate(`Hi {{ contact.firstname | default("there") }}! ` +
		`Is {{ company.name }} still {{ company.numemployees }} people strong?`)
	if err != nil {
		panic(err)
	}
	fmt.Println(tmpl.Render(&condition.Vars{
		Contact: condition.Map{"firstname": "Ada"},
		Company: condition.Map{"name": "Analytical Engines", "numemployees": int64(12)},
	}))
	fmt.Println(tmpl.Render(&condition.Vars{
		Company: condition.Map{"name": "{{ contact.email }}", "numemployees": int64(3)},
	}))
	// Output:
	// Hi Ada! Is Analytical Engines still 12 people strong?
	// Hi there! Is {{ contact.email }} still 3 people strong?
}

func ExampleEnvConfig_functions() {
	env, err := condition.NewEnv(condition.EnvConfig{Functions: []condition.Function{{
		Name:   "isFreeEmail",
		Doc:    "isFreeEmail reports whether an address belongs to a free email provider.",
		Params: []condition.Type{condition.String},
		Result: condition.Bool,
		Impl: func(args ...any) (any, error) {
			return strings.HasSuffix(args[0].(string), "@gmail.com"), nil
		},
	}}})
	if err != nil {
		panic(err)
	}
	c, err := env.Compile(`has(contact.email) && !isFreeEmail(contact.email)`)
	if err != nil {
		panic(err)
	}
	ok, err := c.Eval(context.Background(), &condition.Vars{Contact: condition.Map{"email": "ada@engines.example"}})
	fmt.Println(ok, err)
	// Output: true <nil>
}

func ExampleEnvConfig_costLimit() {
	env, err := condition.NewEnv(condition.EnvConfig{CostLimit: 1000})
	if err != nil {
		panic(err)
	}
	c, err := env.Compile(`contact.tags.exists(a, contact.tags.exists(b, a + b == "xy"))`)
	if err != nil {
		panic(err)
	}
	tags := make([]string, 100)
	for i := range tags {
		tags[i] = fmt.Sprint(i)
	}
	_, err = c.Eval(context.Background(), &condition.Vars{Contact: condition.Map{"tags": tags}})
	fmt.Println(errors.Is(err, condition.ErrCostLimit))
	// Output: true
}

func ExampleVars() {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		panic(err)
	}
	afterHours, err := env.Compile(`!available && now.getHours("Europe/Paris") >= 18`)
	if err != nil {
		panic(err)
	}
	ok, _ := afterHours.Eval(context.Background(), &condition.Vars{
		Available: false,
		Now:       time.Date(2024, 5, 1, 17, 30, 0, 0, time.UTC), // 19:30 in Paris
	})
	fmt.Println(ok)
	// Output: true
}

func ExampleCondition_Uses() {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		panic(err)
	}
	c, err := env.Compile(`!available || answer == "available"`)
	if err != nil {
		panic(err)
	}
	t, err := env.CompileTemplate("Sorry, nobody is available right now.")
	if err != nil {
		panic(err)
	}
	// Only ask whether a team is available when something reads it.
	fmt.Println(c.Uses("available"), c.Uses("contact"), t.Uses("available"))
	// Output: true false false
}

func ExampleWithPath() {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		panic(err)
	}
	// A flow loader compiles the condition of the first branch of action
	// "ask_size", then says where it sits in the flow.
	_, err = env.Compile(`answer == "yes" || contac.plan == "pro"`)
	err = condition.WithPath(err, "actions[2].branches[0].if", "ask_size")
	for _, p := range condition.Problems(err) {
		fmt.Println(p)
		fmt.Println(p.Path, p.Action, p.Line, p.Column, errors.Is(p, condition.ErrType))
	}
	// Output:
	// actions[2].branches[0].if (action ask_size): line 1, column 20: undeclared reference to 'contac' (did you mean 'contact'?)
	// actions[2].branches[0].if ask_size 1 20 true
}

func ExamplePropertyType_Value() {
	schema := condition.DefaultSchema()
	stored := map[string]string{"numemployees": "120", "date_of_birth": "1990-05-01", "firstname": "Ada"}
	for _, name := range []string{"numemployees", "date_of_birth", "firstname"} {
		v := schema.Def("contact", name).Type.Value(stored[name])
		fmt.Printf("%s: %T %v\n", name, v, v)
	}
	// Output:
	// numemployees: int64 120
	// date_of_birth: time.Time 1990-05-01 00:00:00 +0000 UTC
	// firstname: string Ada
}
