package engine

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleSession() *Session {
	s := &Session{
		Format: binaryFormat, ConversationID: "c-1", FlowID: "qualify-leads", FlowVersion: 3, Status: StatusActive,
		Position: "ask_email", ActionState: []byte("2"), Answers: map[string]string{"ask_name": "Ada", "welcome": "yes"},
		ContactID: "contact-9", Identified: true, Pending: store.Properties{"firstname": "Ada"}, Channel: "chat",
		Page: map[string]string{"url": "https://example.com/"}, Visitor: map[string]string{"country": "NL"},
		CustomState: json.RawMessage(`{"step":2}`),
		Consent:     &ConsentState{Processing: consent.Granted, Cookies: consent.Refused, Subscribe: "newsletter"},
		StartedAt:   time.Date(2026, 3, 2, 9, 0, 0, 123, time.UTC), LastInteractionAt: time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC),
	}
	s.remember("m1")
	s.remember("m2")
	return s
}

func TestSessionCodecRoundTrip(t *testing.T) {
	for name, s := range map[string]*Session{"full": sampleSession(), "empty": {Format: binaryFormat}} {
		t.Run(name, func(t *testing.T) {
			data := encodeSession(nil, s)
			var got Session
			require.NoError(t, decodeSession(data, &got))
			assert.Equal(t, s, &got)
		})
	}
}

func TestSessionCodecReadsJSON(t *testing.T) {
	s := sampleSession()
	s.Format = 1
	data, err := json.Marshal(s)
	require.NoError(t, err)
	var got Session
	require.NoError(t, decodeSession(data, &got))
	assert.Equal(t, s, &got)
}

func TestSessionCodecRejectsCorruptData(t *testing.T) {
	data := encodeSession(nil, sampleSession())
	for i := 0; i < len(data); i++ {
		var s Session
		assert.Error(t, decodeSession(data[:i], &s), "truncated at %d", i)
	}
	var s Session
	assert.ErrorIs(t, decodeSession([]byte{9, 1, 2}, &s), errCorrupt)
	assert.ErrorIs(t, decodeSession(append(data, 0), &s), errCorrupt)
}

func FuzzDecodeSession(f *testing.F) {
	f.Add(encodeSession(nil, sampleSession()))
	f.Add(encodeSession(nil, &Session{}))
	f.Add([]byte{binaryFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Session
		if decodeSession(data, &s) == nil && len(data) > 0 && data[0] == binaryFormat {
			// What decodes must encode back to something that decodes the same.
			var again Session
			require.NoError(t, decodeSession(encodeSession(nil, &s), &again))
			assert.Equal(t, s, again)
		}
	})
}
