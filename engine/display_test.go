package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/targeting"
)

func TestDisplaySettingsAndRichText(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id": "d", "version": 1,
	 "welcome": {"message": [{"type": "rich_text", "text": "**Hi {{ contact.firstname | default(\"there\") }}!** See [our help](https://example.com/help)."}],
	             "quickReplies": [{"value": "sales"}, {"value": "support"}]},
	 "display": {"position": "bottom_left", "quickRepliesOutside": true,
	             "helpTab": {"enabled": true, "knowledgeBaseId": "kb-1", "mode": "browse"}},
	 "actions": [{"name": "a", "type": "send_message", "settings": {"message": ["Bye"]}}]}`))
	d := h.Flow.Display()
	require.NotNil(t, d)
	assert.Equal(t, targeting.PositionBottomLeft, d.Position)
	assert.True(t, d.QuickRepliesOutside)
	assert.Equal(t, &targeting.HelpTab{Enabled: true, KnowledgeBaseID: "kb-1", Mode: targeting.HelpTabBrowse}, d.HelpTab)

	c := h.Start("c1").ExpectQuickReplies("sales", "support")
	m := c.Reply().Messages[0]
	assert.Equal(t, action.RichTextBubble, m.Type)
	assert.Equal(t, "**Hi there!** See [our help](https://example.com/help).", m.Text)
	assert.Equal(t, `<strong>Hi there!</strong> See <a href="https://example.com/help" rel="noopener noreferrer" target="_blank">our help</a>.`, action.RichTextHTML(m.Text))

	for _, tc := range []struct{ flow, path string }{
		{`"display": {"position": "top"}`, "display.position"},
		{`"display": {"helpTab": {"enabled": true}}`, "display.helpTab.knowledgeBaseId"},
		{`"display": {"helpTab": {"enabled": true, "knowledgeBaseId": "k", "mode": "list"}}`, "display.helpTab.mode"},
	} {
		_, err := h.Engine.Load([]byte(`{"id": "x", "version": 1, "welcome": {"message": ["Hi"]}, ` + tc.flow + `,
		 "actions": [{"name": "a", "type": "send_message", "settings": {"message": ["x"]}}]}`))
		require.ErrorIs(t, err, engine.ErrInvalidFlow)
		assert.Contains(t, err.Error(), tc.path)
	}
	for _, text := range []string{`<b>bold</b>`, `[x](javascript:alert(1))`} {
		_, err := h.Engine.Load([]byte(`{"id": "x", "version": 1, "welcome": {"message": ["Hi"]},
		 "actions": [{"name": "a", "type": "send_message", "settings": {"message": [{"type": "rich_text", "text": "` + text + `"}]}}]}`))
		require.ErrorIs(t, err, engine.ErrInvalidFlow, text)
		assert.ErrorIs(t, err, action.ErrRichText, text)
		assert.Contains(t, err.Error(), "actions[0].settings.message[0].text")
	}
}
