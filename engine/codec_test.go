package engine

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
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

	// A nanosecond count of a second or more is not a time the encoder
	// writes. In an empty session, LastInteractionAt's nanoseconds (0) are
	// followed by five empty fields: message IDs, seq, own, outbox, reply.
	data = encodeSession(nil, &Session{})
	at := len(data) - 6
	require.Equal(t, byte(0), data[at])
	bad := binary.AppendUvarint(append([]byte(nil), data[:at]...), uint64(time.Second))
	bad = append(bad, data[at+1:]...)
	assert.ErrorContains(t, decodeSession(bad, &s), "bad time")
	assert.ErrorIs(t, decodeSession(bad, &s), errCorrupt)
}

// Times were stored as Unix nanoseconds, which hold only 1678 to 2262:
// outside, a session came back with another time. Every time now
// round-trips exactly.
func TestSessionCodecStoresAnyTimeExactly(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for _, tm := range []time.Time{
		{},
		time.Date(1500, 6, 1, 12, 30, 0, 5, time.UTC),
		time.Date(1677, 9, 21, 0, 12, 43, 145224191, time.UTC), // just before the nanosecond range
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0).UTC(),
		time.Date(2026, 3, 2, 9, 0, 0, 123, time.UTC),
		time.Date(2262, 4, 11, 23, 47, 16, 854775808, time.UTC), // just after it
		time.Date(2300, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64/2, 999999999).UTC(),
		time.Unix(math.MinInt64/2, 1).UTC(),
	} {
		t.Run(tm.String(), func(t *testing.T) {
			s := sampleSession()
			s.StartedAt, s.LastInteractionAt = tm, tm
			var got Session
			require.NoError(t, decodeSession(encodeSession(nil, s), &got))
			assert.Equal(t, s, &got)
			assert.True(t, got.StartedAt.Equal(tm))
			assert.Equal(t, tm.IsZero(), got.StartedAt.IsZero())
		})
	}
	t.Run("any location, with a monotonic reading", func(t *testing.T) {
		tm := time.Date(1400, 2, 3, 4, 5, 6, 7, paris)
		now := time.Now()
		s := &Session{StartedAt: tm, LastInteractionAt: now}
		var got Session
		require.NoError(t, decodeSession(encodeSession(nil, s), &got))
		assert.True(t, got.StartedAt.Equal(tm), "%v != %v", got.StartedAt, tm)
		assert.True(t, got.LastInteractionAt.Equal(now))
		assert.Equal(t, time.UTC, got.StartedAt.Location())
	})
}

// Sessions stored by the earlier layouts still decode: the files were
// written by the encoders of layout 2 (commit 09d9c63) and layout 3
// (commit 52c3ccc) from sampleSession, with the fields of layout 3 set.
func TestSessionCodecReadsOldLayouts(t *testing.T) {
	for _, tt := range []struct {
		file    string
		version byte
		layout3 bool
	}{
		{"testdata/sessions/layout-2.bin", binaryFormatV2, false},
		{"testdata/sessions/layout-3.bin", binaryFormatV3, true},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(tt.file)
			require.NoError(t, err)
			require.Equal(t, tt.version, data[0])
			want := sampleSession()
			if tt.layout3 {
				want.Seq, want.Own = 7, store.Properties{"email": "ada@example.com"}
				want.Outbox, want.LastReply = []byte("outbox"), []byte("reply")
			}
			var got Session
			require.NoError(t, decodeSession(data, &got))
			assert.Equal(t, want, &got)

			// Saving it again writes the current layout, which reads the same.
			again := encodeSession(nil, &got)
			assert.Equal(t, byte(binaryFormat), again[0])
			var reread Session
			require.NoError(t, decodeSession(again, &reread))
			assert.Equal(t, want, &reread)
		})
	}
}

// FuzzDecodeSession decodes arbitrary bytes as a stored session: it must
// never panic, and what decodes from a binary layout encodes back to
// bytes that decode the same.
func FuzzDecodeSession(f *testing.F) {
	f.Add(encodeSession(nil, sampleSession()))
	f.Add(encodeSession(nil, &Session{}))
	f.Add([]byte{binaryFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Session
		if err := decodeSession(data, &s); err != nil || data[0] == '{' {
			return
		}
		var again Session
		if err := decodeSession(encodeSession(nil, &s), &again); err != nil {
			t.Fatalf("%x decodes, but its encoding does not: %v", data, err)
		}
		if !assert.ObjectsAreEqual(s, again) {
			t.Fatalf("%x decodes as\n%+v\nbut its encoding as\n%+v", data, s, again)
		}
	})
}

// FuzzSessionRoundTrip encodes sessions built from arbitrary values,
// times included, and checks that they decode to themselves.
func FuzzSessionRoundTrip(f *testing.F) {
	f.Add("c-1", "ask_email", "Ada", []byte("2"), int64(1772442000), int64(123), int64(-15000000000), uint64(7))
	f.Add("", "", "", []byte(nil), int64(-62135596800), int64(0), int64(0), uint64(0))
	f.Add("c\x00\xff", "ä", "{{ x }}", []byte{0}, int64(math.MaxInt64), int64(999999999), int64(math.MinInt64), uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, id, position, answer string, state []byte, sec, nsec, sec2 int64, seq uint64) {
		s := &Session{
			Format: binaryFormat, ConversationID: id, Position: position, ActionState: state,
			Answers: map[string]string{position: answer}, StartedAt: time.Unix(sec, nsec).UTC(),
			LastInteractionAt: time.Unix(sec2, 0).UTC(), Seq: seq,
		}
		if len(state) == 0 {
			s.ActionState = nil // decoding gives nil for no bytes
		}
		var got Session
		if err := decodeSession(encodeSession(nil, s), &got); err != nil {
			t.Fatalf("%+v does not decode: %v", s, err)
		}
		if !assert.ObjectsAreEqual(s, &got) {
			t.Fatalf("encoded\n%+v\ndecoded\n%+v", s, &got)
		}
	})
}

// A consent_recorded event's reason is "kind: choice", for kinds and
// choices the package names (made once) and for any other.
func TestConsentReason(t *testing.T) {
	for _, c := range []struct {
		kind   consent.Kind
		choice consent.Choice
		want   string
	}{
		{consent.DataProcessing, consent.Granted, "data_processing: granted"},
		{consent.Communication, consent.Withdrawn, "communication: withdrawn"},
		{consent.Cookies, consent.Refused, "cookies: refused"},
		{"profiling", consent.Granted, "profiling: granted"},
		{consent.Cookies, "maybe", "cookies: maybe"},
	} {
		if got := consentReason(c.kind, c.choice); got != c.want {
			t.Errorf("consentReason(%q, %q) = %q, want %q", c.kind, c.choice, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = consentReason(consent.DataProcessing, consent.Granted) }); n != 0 {
		t.Errorf("a known reason allocates %v times", n)
	}
}
