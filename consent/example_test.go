package consent_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
)

func ExamplePolicy_Effective() {
	var p consent.Policy
	if err := json.Unmarshal([]byte(`{
	  "dataProcessing": {"basis": "consent", "privacyPolicyUrl": "https://example.com/privacy"}
	}`), &p); err != nil {
		panic(err)
	}
	e := p.Effective()
	fmt.Println(e.CookiesEnabled, e.Banner)
	fmt.Println(e.ProcessingEnabled, e.Basis, e.PrivacyPolicyURL)
	fmt.Println(e.ProcessingText == consent.DefaultProcessingText, e.Communication)
	// Output:
	// true before_chat
	// true consent https://example.com/privacy
	// true false
}

func ExamplePolicy_Validate() {
	var p consent.Policy
	if err := json.Unmarshal([]byte(`{
	  "cookies": {"banner": "sometimes"},
	  "communication": {"enabled": true}
	}`), &p); err != nil {
		panic(err)
	}
	err := p.Validate()
	fmt.Println(errors.Is(err, consent.ErrInvalid))
	for _, problem := range condition.Problems(err) {
		fmt.Println(problem)
	}
	// Output:
	// true
	// cookies.banner: "sometimes" is not before_chat or exit_intent
	// communication.subscriptionType: consent to communicate needs a subscription type
}

func ExampleHash() {
	text := consent.DefaultCookieText
	r := consent.Record{Kind: consent.Cookies, Text: text, TextHash: consent.Hash(text), Choice: consent.Granted}
	fmt.Println(r.TextHash == consent.Hash(r.Text), len(r.TextHash))
	fmt.Println(consent.Hash("abc"))
	// Output:
	// true 64
	// ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
}
