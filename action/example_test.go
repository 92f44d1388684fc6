package action_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/store/memory"
)

// Badge gives the visitor a membership badge made of a prefix and the name
// they gave earlier, saves it to a contact property and announces it.
//
//	{"type": "badge", "settings": {
//	  "prefix": "VIP", "property": "badge",
//	  "message": ["Welcome, {{ contact.firstname }}! Your badge is {{ contact.badge }}."]}}
type Badge struct {
	// Prefix starts every badge; upper-case letters only.
	Prefix string `json:"prefix"`
	// Property is the contact property the badge is saved to.
	Property string `json:"property"`
	// Message announces the badge. The loader compiles its templates
	// before Provision, so Badge never does.
	Message action.Messages `json:"message"`
}

// Provision checks the settings; p.Errorf lets the loader name the JSON path.
func (b *Badge) Provision(p action.Provision) error {
	if b.Prefix == "" || strings.ToUpper(b.Prefix) != b.Prefix {
		return p.Errorf("prefix", "want upper-case letters, got %q", b.Prefix)
	}
	if b.Property == "" {
		return p.Errorf("property", "a badge needs a property to save it to")
	}
	return nil
}

// Run builds the badge from the answer to ask_name and the conversation ID,
// saves it and says the message, whose template sees the new value.
func (b *Badge) Run(_ context.Context, t action.Turn) (action.Result, error) {
	name, ok := t.Answer("ask_name")
	if !ok {
		return action.Result{Status: action.Skip, Reason: "no name given"}, nil
	}
	badge := fmt.Sprintf("%s-%s-%s", b.Prefix, strings.ToUpper(name), t.Session().ConversationID)
	if err := t.SetProperty(action.ContactObject, b.Property, badge); err != nil {
		return action.Result{}, err
	}
	t.Say(b.Message)
	return action.Result{Status: action.Done}, nil
}

// BadgeType registers Badge under its flow JSON name.
var BadgeType = action.Type{
	Name: "badge",
	Doc:  "Gives the visitor a membership badge.",
	New:  func() action.Action { return new(Badge) },
}

const badgeFlow = `{
  "id": "club", "version": 1,
  "welcome": {"message": ["Welcome to the club! Say anything to join."]},
  "actions": [
    {"name": "ask_name", "type": "ask_question",
     "settings": {"message": ["What's your name?"], "property": "firstname"}},
    {"name": "give_badge", "type": "badge",
     "settings": {"prefix": "VIP", "property": "badge",
                  "message": ["Welcome, {{ contact.firstname }}!", "Your badge is {{ contact.badge }}."]}}
  ]
}`

// A host registers its own action type through engine.Config.Actions; flows
// then use it like a built-in one.
func Example() {
	ctx := context.Background()
	eng, err := engine.New(engine.Config{Stores: memory.New(), Actions: []action.Type{BadgeType}})
	if err != nil {
		panic(err)
	}
	flow, err := eng.Load([]byte(badgeFlow))
	if err != nil {
		panic(err)
	}
	if err := eng.Publish(flow); err != nil {
		panic(err)
	}

	say := func(r *engine.Reply, err error) {
		if err != nil {
			panic(err)
		}
		for _, text := range r.Texts() {
			fmt.Println("bot:", text)
		}
	}
	say(eng.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "club"}))
	say(eng.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m1", Text: "hi"}))
	say(eng.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m2", Text: "Ada"}))

	props, err := eng.VisitorProperties(ctx, "c1")
	if err != nil {
		panic(err)
	}
	fmt.Println("badge property:", props["badge"])
	// Output:
	// bot: Welcome to the club! Say anything to join.
	// bot: What's your name?
	// bot: Welcome, Ada!
	// bot: Your badge is VIP-ADA-c1.
	// badge property: VIP-ADA-c1
}

// A problem found by an action type's Provision is a load error like any
// other, with the JSON path of the setting and the name of the action; so
// is a bad template in a Messages setting, which the loader compiles.
func Example_provisionError() {
	eng, err := engine.New(engine.Config{Stores: memory.New(), Actions: []action.Type{BadgeType}})
	if err != nil {
		panic(err)
	}
	_, err = eng.Load([]byte(`{
	  "id": "club", "version": 1,
	  "welcome": {"message": ["Hi!"]},
	  "actions": [
	    {"name": "give_badge", "type": "badge",
	     "settings": {"prefix": "vip", "property": "badge", "message": ["Your badge is {{ contact.badge "]}}
	  ]}`))
	fmt.Println(errors.Is(err, engine.ErrInvalidFlow))
	for _, p := range condition.Problems(err) {
		fmt.Printf("%s (action %s): %s\n", p.Path, p.Action, p.Msg)
	}
	// Output:
	// true
	// actions[0].settings.message[0] (action give_badge): unclosed {{: a token ends with }}
	// actions[0].settings.prefix (action give_badge): want upper-case letters, got "vip"
}
