package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/chatflow/chatflow/consent"
)

// ConsentRecords is an in-memory consent.Records. Safe for concurrent use;
// the zero value is empty and ready.
type ConsentRecords struct {
	mu      sync.Mutex
	records []consent.Record
	ids     map[string]bool
}

// NewConsentRecords returns an empty record store.
func NewConsentRecords() *ConsentRecords { return &ConsentRecords{} }

// Append stores a record once per ID; an empty ID gets a new one.
func (c *ConsentRecords) Append(_ context.Context, r consent.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	if r.ID == "" {
		r.ID = fmt.Sprintf("consent-%d", len(c.records)+1)
	}
	if c.ids[r.ID] {
		return nil
	}
	c.ids[r.ID] = true
	c.records = append(c.records, r)
	return nil
}

// ForContact lists a contact's records, oldest first.
func (c *ConsentRecords) ForContact(_ context.Context, contactID string) ([]consent.Record, error) {
	return c.filter(func(r consent.Record) bool { return contactID != "" && r.ContactID == contactID }), nil
}

// ForVisitor lists a visitor's records, oldest first.
func (c *ConsentRecords) ForVisitor(_ context.Context, visitorID string) ([]consent.Record, error) {
	return c.filter(func(r consent.Record) bool { return visitorID != "" && r.VisitorID == visitorID }), nil
}

// LinkContact sets the contact of the visitor's records that have none.
func (c *ConsentRecords) LinkContact(_ context.Context, visitorID, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.records {
		if r := &c.records[i]; visitorID != "" && r.VisitorID == visitorID && r.ContactID == "" {
			r.ContactID = contactID
		}
	}
	return nil
}

// Erase deletes the records of the visitor or the contact.
func (c *ConsentRecords) Erase(_ context.Context, visitorID, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.records[:0]
	for _, r := range c.records {
		if (visitorID != "" && r.VisitorID == visitorID) || (contactID != "" && r.ContactID == contactID) {
			continue
		}
		kept = append(kept, r)
	}
	c.records = kept
	return nil
}

func (c *ConsentRecords) filter(keep func(consent.Record) bool) []consent.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []consent.Record
	for _, r := range c.records {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}
