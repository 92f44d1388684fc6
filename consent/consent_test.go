package consent_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
)

var defaults = consent.Effective{
	CookiesEnabled:    true,
	Banner:            consent.BeforeChat,
	CookieText:        consent.DefaultCookieText,
	ProcessingEnabled: true,
	Basis:             consent.LegitimateInterest,
	ProcessingText:    consent.DefaultProcessingText,
	CheckboxLabel:     consent.DefaultCheckboxLabel,
}

// decode reads a consent section strictly, as the flow loader does.
func decode(t *testing.T, js string) *consent.Policy {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	var p consent.Policy
	require.NoError(t, dec.Decode(&p))
	return &p
}

func TestEffectiveDefaults(t *testing.T) {
	var nilPolicy *consent.Policy
	assert.Equal(t, defaults, nilPolicy.Effective())
	assert.Equal(t, defaults, (&consent.Policy{}).Effective())
	// Empty sub-policies change nothing, except that a present
	// communication policy is off unless enabled.
	assert.Equal(t, defaults, decode(t, `{"cookies": {}, "dataProcessing": {}, "communication": {}}`).Effective())
	// Setting a text back to "" is the way back to the default text.
	assert.Equal(t, defaults, decode(t, `{"cookies": {"text": ""}, "dataProcessing": {"text": ""}}`).Effective())
}

func TestEffectiveOverrides(t *testing.T) {
	p := decode(t, `{
	  "cookies": {"enabled": false, "banner": "exit_intent", "text": "Cookies?"},
	  "dataProcessing": {"enabled": false, "basis": "consent", "text": "May we?", "privacyPolicyUrl": "https://example.com/privacy"},
	  "communication": {"enabled": true, "subscriptionType": "newsletter", "checkboxLabel": "Send me news"},
	  "marketingContacts": true
	}`)
	assert.Equal(t, consent.Effective{
		CookiesEnabled:    false,
		Banner:            consent.ExitIntent,
		CookieText:        "Cookies?",
		ProcessingEnabled: false,
		Basis:             consent.ExplicitConsent,
		ProcessingText:    "May we?",
		PrivacyPolicyURL:  "https://example.com/privacy",
		Communication:     true,
		SubscriptionType:  "newsletter",
		CheckboxLabel:     "Send me news",
		MarketingContacts: true,
	}, p.Effective())

	// Enabled is a pointer so that an explicit true is kept too.
	on := decode(t, `{"cookies": {"enabled": true}, "dataProcessing": {"enabled": true, "basis": "consent"}}`).Effective()
	assert.True(t, on.CookiesEnabled)
	assert.True(t, on.ProcessingEnabled)
	assert.Equal(t, consent.ExplicitConsent, on.Basis)
	assert.Equal(t, consent.DefaultProcessingText, on.ProcessingText)
}

func TestValidate(t *testing.T) {
	var nilPolicy *consent.Policy
	assert.NoError(t, nilPolicy.Validate())
	assert.NoError(t, (&consent.Policy{}).Validate())
	assert.NoError(t, decode(t, `{
	  "cookies": {"banner": "before_chat"},
	  "dataProcessing": {"basis": "legitimate_interest"},
	  "communication": {"enabled": true, "subscriptionType": "newsletter"}
	}`).Validate())
	// A disabled communication policy needs no subscription type.
	assert.NoError(t, decode(t, `{"communication": {"enabled": false}}`).Validate())

	tests := []struct {
		name  string
		js    string
		paths []string
		msgs  []string
	}{
		{"banner", `{"cookies": {"banner": "always"}}`,
			[]string{"cookies.banner"}, []string{`"always" is not before_chat or exit_intent`}},
		{"basis", `{"dataProcessing": {"basis": "contract"}}`,
			[]string{"dataProcessing.basis"}, []string{`"contract" is not consent or legitimate_interest`}},
		{"subscription type", `{"communication": {"enabled": true}}`,
			[]string{"communication.subscriptionType"}, []string{"consent to communicate needs a subscription type"}},
		{"all of them, in order", `{"cookies": {"banner": "x"}, "dataProcessing": {"basis": "y"}, "communication": {"enabled": true}}`,
			[]string{"cookies.banner", "dataProcessing.basis", "communication.subscriptionType"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := decode(t, tt.js).Validate()
			require.Error(t, err)
			assert.ErrorIs(t, err, consent.ErrInvalid)
			var ce *condition.Error
			require.ErrorAs(t, err, &ce)
			problems := condition.Problems(err)
			require.Len(t, problems, len(tt.paths))
			for i, p := range problems {
				assert.Equal(t, tt.paths[i], p.Path)
				assert.Same(t, consent.ErrInvalid, p.Err)
				assert.True(t, errors.Is(p, consent.ErrInvalid))
				if tt.msgs != nil {
					assert.Equal(t, tt.msgs[i], p.Msg)
					assert.Equal(t, tt.paths[i]+": "+tt.msgs[i], p.Error())
				}
			}
		})
	}
}

func TestValidateInFlow(t *testing.T) {
	// The flow loader places the section's paths in the flow.
	err := condition.WithPath(decode(t, `{"dataProcessing": {"basis": "y"}}`).Validate(), "consent", "")
	require.Error(t, err)
	assert.ErrorIs(t, err, consent.ErrInvalid)
	assert.Equal(t, "consent.dataProcessing.basis", condition.Problems(err)[0].Path)
}

func TestHash(t *testing.T) {
	// SHA-256 of the empty string and of "abc" (FIPS 180-2 test vector).
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", consent.Hash(""))
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", consent.Hash("abc"))
	assert.Equal(t, consent.Hash(consent.DefaultCookieText), consent.Hash(consent.DefaultCookieText))
	assert.NotEqual(t, consent.Hash("Do you accept cookies?"), consent.Hash("Do you accept cookies? "))
	assert.Len(t, consent.Hash(consent.DefaultProcessingText), 64)
}

func TestRecordJSON(t *testing.T) {
	r := consent.Record{Kind: consent.DataProcessing, Basis: consent.ExplicitConsent, Text: "May we?",
		TextHash: consent.Hash("May we?"), Choice: consent.Granted}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var back consent.Record
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back)
	assert.Contains(t, string(b), `"kind":"data_processing"`)
	assert.Contains(t, string(b), `"choice":"granted"`)
}
