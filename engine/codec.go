package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// Sessions are stored in a compact binary layout: it is several times
// cheaper to encode and decode than JSON, on every turn, and smaller. The
// first byte is the layout version; sessions stored as JSON (first byte
// '{') are still read.
//
// Layout 4 stores every time exactly, as Unix seconds and nanoseconds, so
// that any time.Time round-trips (in UTC, without its monotonic reading).
// Layouts 2 and 3 stored Unix nanoseconds, which cannot hold a time before
// 1678 or after 2262: such times came back as other times. They are still
// read.
const binaryFormat = 4

// binaryFormatV3 is the layout before times were stored exactly; it is
// still read.
const binaryFormatV3 = 3

// binaryFormatV2 is the layout before the turn count, own properties,
// outbox and last reply were added; it is still read.
const binaryFormatV2 = 2

// errCorrupt reports session data that cannot be decoded.
var errCorrupt = errors.New("corrupt session data")

// encodeSession appends the binary form of s to dst.
func encodeSession(dst []byte, s *Session) []byte {
	w := dst
	w = append(w, binaryFormat)
	w = appendString(w, s.ConversationID)
	w = appendString(w, s.FlowID)
	w = binary.AppendUvarint(w, uint64(s.FlowVersion))
	w = appendString(w, string(s.Status))
	w = appendString(w, s.Position)
	w = appendBytes(w, s.ActionState)
	w = appendMap(w, s.Answers)
	w = appendString(w, s.ContactID)
	w = appendBool(w, s.Identified)
	w = appendMap(w, s.Pending)
	w = appendString(w, s.Channel)
	w = appendMap(w, s.Page)
	w = appendMap(w, s.Visitor)
	w = appendBytes(w, s.CustomState)
	if c := s.Consent; c != nil {
		w = append(w, 1)
		w = appendString(w, string(c.Processing))
		w = appendString(w, string(c.Cookies))
		w = appendString(w, c.Subscribe)
	} else {
		w = append(w, 0)
	}
	w = appendTime(w, s.StartedAt)
	w = appendTime(w, s.LastInteractionAt)
	w = appendBytes(w, s.MessageIDs)
	// Fields of layout 3; a session of layout 2 ends here.
	w = binary.AppendUvarint(w, s.Seq)
	w = appendMap(w, s.Own)
	w = appendBytes(w, s.Outbox)
	w = appendBytes(w, s.LastReply)
	return w
}

// decodeSession decodes a stored session, binary or JSON.
func decodeSession(data []byte, s *Session) error {
	return decodeSessionInto(data, s, nil)
}

// decodeSessionInto is decodeSession that, when h is not nil, puts the
// consent state and the maps in h's room for them.
func decodeSessionInto(data []byte, s *Session, h *heldSession) error {
	if len(data) == 0 {
		return errCorrupt
	}
	if data[0] == '{' {
		return json.Unmarshal(data, s)
	}
	version := data[0]
	if version != binaryFormat && version != binaryFormatV3 && version != binaryFormatV2 {
		return fmt.Errorf("%w: unknown layout version %d", errCorrupt, version)
	}
	r := reader{b: data[1:], nanoTimes: version < binaryFormat}
	var cs *ConsentState
	var maps *[sessionMaps]map[string]string
	if h != nil {
		cs, maps = &h.consent, &h.maps
	} else {
		maps = new([sessionMaps]map[string]string)
	}
	s.Format = binaryFormat
	s.ConversationID = r.string()
	s.FlowID = r.string()
	s.FlowVersion = int(r.uvarint())
	s.Status = Status(r.string())
	s.Position = r.string()
	s.ActionState = r.bytes()
	s.Answers = r.strmapInto(&maps[answersMap])
	// The contact ID goes to stores, which may keep it (an index, a
	// ticket): a copy keeps them from holding the whole session data.
	s.ContactID = strings.Clone(r.string())
	s.Identified = r.bool()
	s.Pending = store.Properties(r.strmapInto(&maps[pendingMap]))
	s.Channel = r.string()
	s.Page = r.strmapInto(&maps[pageMap])
	s.Visitor = r.strmapInto(&maps[visitorMap])
	s.CustomState = r.bytes()
	if r.bool() {
		if cs == nil {
			cs = new(ConsentState)
		}
		*cs = ConsentState{Processing: consent.Choice(r.string()), Cookies: consent.Choice(r.string()), Subscribe: r.string()}
		s.Consent = cs
	}
	s.StartedAt = r.time()
	s.LastInteractionAt = r.time()
	s.MessageIDs = r.bytes()
	if version >= binaryFormatV3 {
		s.Seq = r.uvarint()
		s.Own = store.Properties(r.strmapInto(&maps[ownMap]))
		s.Outbox = r.bytes()
		s.LastReply = r.bytes()
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d bytes left over", errCorrupt, len(r.b))
	}
	return r.err
}

func appendString(w []byte, s string) []byte {
	w = binary.AppendUvarint(w, uint64(len(s)))
	return append(w, s...)
}

func appendBytes(w, b []byte) []byte {
	w = binary.AppendUvarint(w, uint64(len(b)))
	return append(w, b...)
}

func appendBool(w []byte, b bool) []byte {
	if b {
		return append(w, 1)
	}
	return append(w, 0)
}

func appendMap(w []byte, m map[string]string) []byte {
	w = binary.AppendUvarint(w, uint64(len(m)))
	for k, v := range m {
		w = appendString(w, k)
		w = appendString(w, v)
	}
	return w
}

// appendTime writes Unix seconds and nanoseconds (0 to 999,999,999). The
// zero time needs no special case: it is the second -62135596800, and
// every time, however far from now, is written exactly.
func appendTime(w []byte, t time.Time) []byte {
	w = binary.AppendVarint(w, t.Unix())
	return binary.AppendUvarint(w, uint64(t.Nanosecond()))
}

// reader decodes; after the first error every read returns a zero value.
type reader struct {
	b   []byte
	err error
	// nanoTimes is set for layouts 2 and 3, which stored times as Unix
	// nanoseconds plus one (0 for the zero time).
	nanoTimes bool
	// copyStrings makes string return copies, for what goes to stores.
	copyStrings bool
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated %s", errCorrupt, what)
	}
	r.b = nil
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) raw(what string) []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(what)
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

// string returns text of the data without copying it: the decoded
// session shares the loaded record's data, which the engine owns (Load's
// contract) and never writes to.
func (r *reader) string() string {
	b := r.raw("text")
	if len(b) == 0 {
		return ""
	}
	if r.copyStrings {
		return string(b)
	}
	return unsafe.String(&b[0], len(b))
}

// bytes returns bytes of the data without copying them; the slice's
// capacity ends where it does, so appending to it never writes past it.
func (r *reader) bytes() []byte {
	b := r.raw("bytes")
	if len(b) == 0 {
		return nil
	}
	return b
}

func (r *reader) bool() bool {
	if len(r.b) == 0 {
		r.fail("flag")
		return false
	}
	v := r.b[0]
	r.b = r.b[1:]
	if v > 1 {
		r.err = fmt.Errorf("%w: bad flag %d", errCorrupt, v)
	}
	return v == 1
}

func (r *reader) strmap() map[string]string {
	var m map[string]string
	return r.strmapInto(&m)
}

// strmapInto decodes a map into *room, which it makes when nil and which
// must be empty; it returns nil for an empty map and leaves *room as it is.
func (r *reader) strmapInto(room *map[string]string) map[string]string {
	n := r.uvarint()
	if r.err != nil || n == 0 {
		return nil
	}
	if n > uint64(len(r.b))/2 { // every entry takes at least two bytes
		r.fail("map")
		return nil
	}
	if *room == nil {
		*room = make(map[string]string, n)
	}
	m := *room
	for i := uint64(0); i < n && r.err == nil; i++ {
		k := r.string()
		m[k] = r.string()
	}
	return m
}

func (r *reader) time() time.Time {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("time")
		return time.Time{}
	}
	r.b = r.b[n:]
	if r.nanoTimes {
		if v == 0 {
			return time.Time{}
		}
		return time.Unix(0, v-1).UTC()
	}
	ns := r.uvarint()
	if r.err != nil {
		return time.Time{}
	}
	if ns >= uint64(time.Second) {
		r.err = fmt.Errorf("%w: bad time: %d nanoseconds", errCorrupt, ns)
		return time.Time{}
	}
	return time.Unix(v, int64(ns)).UTC()
}
