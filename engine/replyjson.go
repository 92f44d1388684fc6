package engine

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendReplyJSON appends r as JSON, as encoding/json would write it but
// without reflection: a turn stores its reply with the session (for a
// redelivery, and in the outbox for a retry), so this runs on every turn.
// The rare pointer fields go through encoding/json. Events are written only
// when events is true. TestReplyJSONMatchesEncodingJSON keeps it in step
// with the Reply type.
func appendReplyJSON(b []byte, r *Reply, events bool) ([]byte, error) {
	b = append(b, `{"conversationId":`...)
	b = appendJSONString(b, r.ConversationID)
	if len(r.Messages) > 0 {
		b = append(b, `,"messages":[`...)
		for i, m := range r.Messages {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = appendJSONString(b, string(m.Type))
			b = appendField(b, "text", m.Text)
			b = appendField(b, "url", m.URL)
			b = appendField(b, "name", m.Name)
			if m.Delay != 0 {
				b = appendField(b, "delay", m.Delay.String())
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(r.QuickReplies) > 0 {
		b = append(b, `,"quickReplies":[`...)
		for i, q := range r.QuickReplies {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"value":`...)
			b = appendJSONString(b, q.Value)
			b = appendField(b, "label", q.Label)
			b = appendField(b, "next", q.Next)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"freeText":`...)
	b = strconv.AppendBool(b, r.FreeText)
	b = appendField(b, "awaiting", r.Awaiting)
	if events && len(r.Events) > 0 {
		b = append(b, `,"events":[`...)
		for i := range r.Events {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEventJSON(b, &r.Events[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(r.Status))
	var err error
	for _, f := range []struct {
		name string
		v    any
		set  bool
	}{{"handoff", r.Handoff, r.Handoff != nil}, {"consent", r.Consent, r.Consent != nil}, {"survey", r.Survey, r.Survey != nil}} {
		if !f.set {
			continue
		}
		b = append(b, ',', '"')
		b = append(b, f.name...)
		b = append(b, '"', ':')
		var v []byte
		if v, err = json.Marshal(f.v); err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	b = append(b, `,"outcome":`...)
	b = appendJSONString(b, string(r.Outcome))
	return append(b, '}'), nil
}

func appendEventJSON(b []byte, e *Event) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, string(e.Type))
	b = append(b, `,"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "action", e.Action)
	b = appendField(b, "actionType", e.ActionType)
	b = appendField(b, "object", string(e.Object))
	b = appendField(b, "property", e.Property)
	b = appendField(b, "value", e.Value)
	b = appendField(b, "next", e.Next)
	b = appendField(b, "reason", e.Reason)
	return append(b, '}')
}

// appendField appends ,"name":"v" unless v is empty (omitempty).
func appendField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, v)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEffectsJSON appends ef as encoding/json would write it, without
// reflection and without compacting the reply, which is already JSON.
func appendEffectsJSON(b []byte, ef *effects) ([]byte, error) {
	b = append(b, '{')
	mark := len(b)
	sep := func() {
		if len(b) > mark {
			b = append(b, ',')
		}
	}
	str := func(name, v string) {
		if v != "" {
			sep()
			b = appendJSONString(b, name)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
	}
	props := func(name string, p map[string]string) {
		if len(p) == 0 {
			return
		}
		sep()
		b = appendJSONString(b, name)
		b = append(b, ':', '{')
		first := true
		for k, v := range p {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
		b = append(b, '}')
	}
	str("m", ef.Message)
	str("c", ef.ContactID)
	props("cp", ef.Contact)
	str("o", ef.CompanyID)
	props("op", ef.Company)
	if len(ef.Records) > 0 {
		recs, err := json.Marshal(ef.Records)
		if err != nil {
			return nil, err
		}
		sep()
		b = append(b, `"r":`...)
		b = append(b, recs...)
	}
	if len(ef.Subscriptions) > 0 {
		sep()
		b = append(b, `"s":[`...)
		for i, sc := range ef.Subscriptions {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"t":`...)
			b = appendJSONString(b, sc.Type)
			b = append(b, `,"s":`...)
			b = appendJSONString(b, string(sc.State))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if ef.Link {
		sep()
		b = append(b, `"l":true`...)
	}
	if len(ef.Reply) > 0 {
		sep()
		b = append(b, `"reply":`...)
		b = append(b, ef.Reply...)
	}
	return append(b, '}'), nil
}
