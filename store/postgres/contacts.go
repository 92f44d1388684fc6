package postgres

import (
	"context"
	"fmt"

	"github.com/chatflow/chatflow/internal/fold"
	"github.com/chatflow/chatflow/store"
)

// Contacts is the contact and company store, tables chatflow.contacts and
// chatflow.companies. It implements store.Contacts, store.Companies and
// store.ContactDeleter, and has the methods a host needs to set up what the
// engine only reads: CreateCompany and AssociateCompany.
//
// IDs are "contact-1", "company-1", … from database sequences. Properties
// are a jsonb object; UpdateContact merges in one statement, so
// concurrent updates of different properties lose none. Properties set to
// "" are not stored. The email lookup compares Unicode case-folded keys,
// as store/memory does.
//
// Get one from DB.Contacts; the zero value is not usable. Contacts is safe
// for concurrent use.
type Contacts struct{ db *DB }

var (
	_ store.Contacts       = (*Contacts)(nil)
	_ store.Companies      = (*Contacts)(nil)
	_ store.ContactDeleter = (*Contacts)(nil)
)

// Contacts returns the contact and company store.
func (db *DB) Contacts() *Contacts { return &Contacts{db} }

// split divides props into the values to set and the names to clear.
func split(props store.Properties) (set map[string]string, clear []string) {
	set = make(map[string]string, len(props))
	clear = []string{}
	for k, v := range props {
		if v == "" {
			clear = append(clear, k)
		} else {
			set[k] = v
		}
	}
	return set, clear
}

// emailKey returns the folded key of an email address, or nil for none.
func emailKey(email string) *string {
	if email == "" {
		return nil
	}
	k := fold.Key(email)
	return &k
}

// scanContact reads a contact row: id, properties, company_id.
func scanContact(row interface{ Scan(...any) error }) (store.Contact, error) {
	var (
		c       store.Contact
		company *string
	)
	if err := row.Scan(&c.ID, &c.Properties, &company); err != nil {
		return store.Contact{}, err
	}
	if c.Properties == nil {
		c.Properties = store.Properties{}
	}
	if company != nil {
		c.CompanyID = *company
	}
	return c, nil
}

// Contact returns the contact with the given ID, or an error matching
// store.ErrNotFound.
func (s *Contacts) Contact(ctx context.Context, id string) (store.Contact, error) {
	c, err := scanContact(s.db.pool.QueryRow(ctx,
		"SELECT id, properties, company_id FROM chatflow.contacts WHERE id = $1", id))
	if noRows(err) {
		return c, fmt.Errorf("postgres: contact %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("postgres: contact %q: %w", id, err)
	}
	return c, nil
}

// ContactByEmail returns the oldest contact whose "email" property equals
// email under Unicode case folding, or an error matching store.ErrNotFound.
func (s *Contacts) ContactByEmail(ctx context.Context, email string) (store.Contact, error) {
	if email == "" {
		return store.Contact{}, fmt.Errorf("postgres: contact by email: %w", store.ErrNotFound)
	}
	c, err := scanContact(s.db.pool.QueryRow(ctx,
		"SELECT id, properties, company_id FROM chatflow.contacts WHERE email_key = $1 ORDER BY seq LIMIT 1", fold.Key(email)))
	if noRows(err) {
		return c, fmt.Errorf("postgres: contact by email: %w", store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("postgres: contact by email: %w", err)
	}
	return c, nil
}

// CreateContact stores a new contact with props (minus empty values) and
// returns it with its new ID.
func (s *Contacts) CreateContact(ctx context.Context, props store.Properties) (store.Contact, error) {
	set, _ := split(props)
	c, err := scanContact(s.db.pool.QueryRow(ctx, `
		INSERT INTO chatflow.contacts (id, seq, properties, email_key)
		SELECT 'contact-' || n, n, $1, $2 FROM nextval('chatflow.contact_seq') AS n
		RETURNING id, properties, company_id`, set, emailKey(set["email"])))
	if err != nil {
		return c, fmt.Errorf("postgres: creating contact: %w", err)
	}
	return c, nil
}

// UpdateContact merges props into the contact's properties in one
// statement, removing those set to "". It returns an error matching
// store.ErrNotFound for an unknown ID.
func (s *Contacts) UpdateContact(ctx context.Context, id string, props store.Properties) error {
	return updateContact(ctx, s.db.pool, id, props)
}

// updateContact is UpdateContact, through q.
func updateContact(ctx context.Context, q execer, id string, props store.Properties) error {
	set, clear := split(props)
	email, touchesEmail := props["email"]
	tag, err := q.Exec(ctx, `
		UPDATE chatflow.contacts
		SET properties = (properties || $2::jsonb) - $3::text[],
		    email_key = CASE WHEN $4 THEN $5 ELSE email_key END
		WHERE id = $1`, id, set, clear, touchesEmail, emailKey(email))
	if err != nil {
		return fmt.Errorf("postgres: updating contact %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: updating contact %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// DeleteContact deletes a contact; a missing contact is not an error.
func (s *Contacts) DeleteContact(ctx context.Context, id string) error {
	if _, err := s.db.pool.Exec(ctx, "DELETE FROM chatflow.contacts WHERE id = $1", id); err != nil {
		return fmt.Errorf("postgres: deleting contact %q: %w", id, err)
	}
	return nil
}

// AssociateCompany links the contact to the company, replacing any earlier
// association; companyID "" removes it. It returns an error matching
// store.ErrNotFound if either record does not exist.
func (s *Contacts) AssociateCompany(ctx context.Context, contactID, companyID string) error {
	tag, err := s.db.pool.Exec(ctx, "UPDATE chatflow.contacts SET company_id = $2 WHERE id = $1", contactID, nullIfEmpty(companyID))
	if isCode(err, foreignKeyViolation) {
		return fmt.Errorf("postgres: associating company %q: %w", companyID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: associating contact %q with company %q: %w", contactID, companyID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: associating contact %q: %w", contactID, store.ErrNotFound)
	}
	return nil
}

// CreateCompany stores a new company with props (minus empty values) and
// returns it with its new ID.
func (s *Contacts) CreateCompany(ctx context.Context, props store.Properties) (store.Company, error) {
	set, _ := split(props)
	var c store.Company
	err := s.db.pool.QueryRow(ctx, `
		INSERT INTO chatflow.companies (id, seq, properties)
		SELECT 'company-' || n, n, $1 FROM nextval('chatflow.company_seq') AS n
		RETURNING id, properties`, set).Scan(&c.ID, &c.Properties)
	if err != nil {
		return c, fmt.Errorf("postgres: creating company: %w", err)
	}
	return c, nil
}

// Company returns the company with the given ID, or an error matching
// store.ErrNotFound.
func (s *Contacts) Company(ctx context.Context, id string) (store.Company, error) {
	c := store.Company{ID: id}
	err := s.db.pool.QueryRow(ctx, "SELECT properties FROM chatflow.companies WHERE id = $1", id).Scan(&c.Properties)
	if noRows(err) {
		return c, fmt.Errorf("postgres: company %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("postgres: company %q: %w", id, err)
	}
	if c.Properties == nil {
		c.Properties = store.Properties{}
	}
	return c, nil
}

// UpdateCompany merges props into the company's properties like
// UpdateContact. It returns an error matching store.ErrNotFound for an
// unknown ID.
func (s *Contacts) UpdateCompany(ctx context.Context, id string, props store.Properties) error {
	return updateCompany(ctx, s.db.pool, id, props)
}

// updateCompany is UpdateCompany, through q.
func updateCompany(ctx context.Context, q execer, id string, props store.Properties) error {
	set, clear := split(props)
	tag, err := q.Exec(ctx,
		"UPDATE chatflow.companies SET properties = (properties || $2::jsonb) - $3::text[] WHERE id = $1", id, set, clear)
	if err != nil {
		return fmt.Errorf("postgres: updating company %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: updating company %q: %w", id, store.ErrNotFound)
	}
	return nil
}
