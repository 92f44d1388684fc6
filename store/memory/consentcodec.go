package memory

import (
	"encoding/binary"
	"strings"
	"time"

	"github.com/chatflow/chatflow/consent"
)

// A stored consent record is kept as one string: the store holds one
// record per conversation and more, for good, and a consent.Record of
// fourteen fields would cost about 250 bytes and fourteen pointers for the
// garbage collector to follow. The fields that repeat from record to
// record (the consent text and its hash, kinds, bases, choices, actions,
// chatflows) are interned and stored as numbers; the rest (IDs and the
// time) are written out, so a record takes about a hundred bytes and no
// pointer but its own.

// interned is a table of strings kept once, each with a number.
type interned struct {
	index map[string]uint32
	list  []string
}

// id returns s's number, adding a copy of s to the table if needed (the
// caller's string may share memory that should not be kept alive).
func (t *interned) id(s string) uint32 {
	if n, ok := t.index[s]; ok {
		return n
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	s = strings.Clone(s)
	n := uint32(len(t.list))
	t.list = append(t.list, s)
	t.index[s] = n
	return n
}

// encodeRecord encodes r; the caller holds the store's lock.
func (c *consentShard) encodeRecord(r *consent.Record) string {
	b := c.buf[:0]
	for _, s := range [...]string{r.ID, r.VisitorID, r.ContactID} {
		b = appendString(b, s)
	}
	// The conversation is most often the visitor.
	if r.ConversationID == r.VisitorID {
		b = append(b, 1)
	} else {
		b = append(b, 0)
		b = appendString(b, r.ConversationID)
	}
	for _, s := range [...]string{string(r.Kind), string(r.Basis), r.SubscriptionType, r.Text, r.TextHash,
		string(r.Choice), r.ChatflowID, r.Action} {
		b = binary.AppendUvarint(b, uint64(c.strings.id(s)))
	}
	b = binary.AppendVarint(b, int64(r.FlowVersion))
	if r.Time.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendVarint(b, r.Time.Unix())
		b = binary.AppendUvarint(b, uint64(r.Time.Nanosecond()))
		// The location's offset, for the zone a caller gave.
		_, offset := r.Time.Zone()
		b = binary.AppendVarint(b, int64(offset))
	}
	c.buf = b
	return string(b)
}

// decodeRecord decodes what encodeRecord wrote; the caller holds the
// store's lock. Its strings share data, which never changes.
func (c *consentShard) decodeRecord(data string) consent.Record {
	d := decoder{s: data}
	var r consent.Record
	r.ID, r.VisitorID, r.ContactID = d.string(), d.string(), d.string()
	if d.byte() == 1 {
		r.ConversationID = r.VisitorID
	} else {
		r.ConversationID = d.string()
	}
	in := func() string { return c.strings.list[d.uvarint()] }
	r.Kind, r.Basis = consent.Kind(in()), consent.Basis(in())
	r.SubscriptionType, r.Text, r.TextHash = in(), in(), in()
	r.Choice = consent.Choice(in())
	r.ChatflowID, r.Action = in(), in()
	r.FlowVersion = int(d.varint())
	if d.byte() == 1 {
		sec, nsec := d.varint(), d.uvarint()
		offset := int(d.varint())
		t := time.Unix(sec, int64(nsec))
		if offset == 0 {
			r.Time = t.UTC()
		} else {
			r.Time = t.In(time.FixedZone("", offset))
		}
	}
	return r
}

// entryKeys returns the ID, visitor and contact of an encoded record,
// which come first so that the indexes read them without decoding the
// rest.
func entryKeys(data string) (id, visitor, contact string) {
	d := decoder{s: data}
	return d.string(), d.string(), d.string()
}

// encodeKeys encodes what an erased record keeps: its ID, with no visitor
// or contact, so that entryKeys reads it like any record's; the caller
// holds the store's lock.
func (c *consentShard) encodeKeys(id string) string {
	b := appendString(c.buf[:0], id)
	b = append(b, 0, 0)
	c.buf = b
	return string(b)
}

// withContact returns the encoded record data, which has no contact, with
// contact as its contact. The rest is copied as it is: linking a record
// changes nothing else. The caller holds the store's lock.
func (c *consentShard) withContact(data, contact string) string {
	d := decoder{s: data}
	d.string()
	d.string()
	at := len(data) - len(d.s) // the contact's length, 0
	b := append(c.buf[:0], data[:at]...)
	b = appendString(b, contact)
	b = append(b, data[at+1:]...)
	c.buf = b
	return string(b)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads what the store itself wrote, so it trusts it.
type decoder struct{ s string }

func (d *decoder) uvarint() uint64 {
	var v uint64
	for shift := 0; ; shift += 7 {
		c := d.s[0]
		d.s = d.s[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) byte() byte {
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) string() string {
	n := d.uvarint()
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}
