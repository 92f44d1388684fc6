package engine_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlowSectionsMatchSchema validates flows with the channels,
// schedules and texts sections against the documented JSON Schema, and
// checks that the schema refuses their misspellings.
func TestFlowSectionsMatchSchema(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "docs", "flow.schema.json"))
	require.NoError(t, err)
	valid := func(doc string) error {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		require.NoError(t, err)
		return sch.Validate(inst)
	}
	for name, doc := range map[string]string{
		"channels":  string(channelFlow(`"channels":["facebook_messenger","chat"],`)),
		"texts":     string(languageFlow("nl", `"texts":{"yes":"Zeker","invalid_email":"Geen geldig adres."},`)),
		"schedules": `{"id":"h","version":1,` + supportHours + `"welcome":{"message":["Hi"]},"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`,
		"live chat": string(liveChatFlow("nl", `,"onlyAvailable":false,"emailCapture":{"when":"always"},"behaviors":{"available":{"typicalResponseTime":"day"},"offline":{"show":"hide_launcher"}}`)),
		"offer":     string(offerFlow(`,"anonymous":"skip","maxAttempts":2,"errorMessage":["?"],"emailPrompt":["Email?"]`)),
	} {
		assert.NoError(t, valid(doc), name)
	}
	for name, doc := range map[string]string{
		"channel twice":     string(channelFlow(`"channels":["chat","chat"],`)),
		"text not a string": string(languageFlow("nl", `"texts":{"yes":1},`)),
		"offer anonymous":   string(offerFlow(`,"anonymous":"never"`)),
		"live chat capture": string(liveChatFlow("en", `,"emailCapture":{"when":"sometimes"}`)),
		"live chat display": string(liveChatFlow("en", `,"behaviors":{"offline":{"show":"blink"}}`)),
		"bad schedule":      `{"id":"h","version":1,"schedules":{"s":{"hours":{"mon":[]}}},"welcome":{"message":["Hi"]},"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`,
	} {
		assert.Error(t, valid(doc), name)
	}
}
