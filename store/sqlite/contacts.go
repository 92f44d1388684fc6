package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chatflow/chatflow/internal/fold"
	"github.com/chatflow/chatflow/store"
)

// Contacts is the contact and company store, tables contacts and
// companies. It implements store.Contacts, store.Companies and
// store.ContactDeleter, and has CreateCompany and AssociateCompany for
// the host to set up what the engine only reads.
//
// IDs are "contact-N" and "company-N", N never reused. Properties are a
// JSON object; UpdateContact merges with json_patch in one statement.
// Properties set to "" are not stored. The email lookup compares Unicode
// case-folded keys, as store/memory does.
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

// seqOf returns the row number of an ID made of prefix and a number, or
// false for any other ID (which then names no row).
func seqOf(prefix, id string) (int64, bool) {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == rest
}

// patch returns the JSON merge patch (RFC 7396) of props: a value "" is
// null, which removes the property.
func patch(props store.Properties) (string, error) {
	m := make(map[string]*string, len(props))
	for k, v := range props {
		if v != "" {
			m[k] = &v
		} else {
			m[k] = nil
		}
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// props decodes a stored JSON object.
func props(js string) (store.Properties, error) {
	p := store.Properties{}
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		return nil, fmt.Errorf("stored properties: %w", err)
	}
	return p, nil
}

// emailKey returns the folded key of an email address, or nil for none.
func emailKey(email string) any {
	if email == "" {
		return nil
	}
	return fold.Key(email)
}

// contactWhere reads the contact a query selects by where (on table
// contacts, arguments args).
func (s *Contacts) contactWhere(ctx context.Context, what, where string, args ...any) (store.Contact, error) {
	var (
		seq     int64
		js      string
		company sql.NullInt64
	)
	err := s.db.r.QueryRowContext(ctx, "SELECT seq, properties, company FROM contacts WHERE "+where, args...).Scan(&seq, &js, &company)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Contact{}, fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.Contact{}, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	c := store.Contact{ID: "contact-" + strconv.FormatInt(seq, 10)}
	if company.Valid {
		c.CompanyID = "company-" + strconv.FormatInt(company.Int64, 10)
	}
	if c.Properties, err = props(js); err != nil {
		return store.Contact{}, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return c, nil
}

// Contact returns the contact with the given ID, or an error matching
// store.ErrNotFound.
func (s *Contacts) Contact(ctx context.Context, id string) (store.Contact, error) {
	seq, ok := seqOf("contact-", id)
	if !ok {
		return store.Contact{}, fmt.Errorf("sqlite: contact %q: %w", id, store.ErrNotFound)
	}
	return s.contactWhere(ctx, "contact "+strconv.Quote(id), "seq = ?", seq)
}

// ContactByEmail returns the oldest contact whose "email" property equals
// email under Unicode case folding, or an error matching store.ErrNotFound.
func (s *Contacts) ContactByEmail(ctx context.Context, email string) (store.Contact, error) {
	if email == "" {
		return store.Contact{}, fmt.Errorf("sqlite: contact by email: %w", store.ErrNotFound)
	}
	return s.contactWhere(ctx, "contact by email", "email_key = ? ORDER BY seq LIMIT 1", fold.Key(email))
}

// CreateContact stores a new contact with props (minus empty values) and
// returns it with its new ID.
func (s *Contacts) CreateContact(ctx context.Context, p store.Properties) (store.Contact, error) {
	js, err := patch(p)
	if err != nil {
		return store.Contact{}, fmt.Errorf("sqlite: creating contact: %w", err)
	}
	var seq int64
	// json_patch of {} drops the nulls of the empty values.
	err = s.db.w.QueryRowContext(ctx, "INSERT INTO contacts (properties, email_key) VALUES (json_patch('{}', ?), ?) RETURNING seq",
		js, emailKey(p["email"])).Scan(&seq)
	if err != nil {
		return store.Contact{}, fmt.Errorf("sqlite: creating contact: %w", err)
	}
	c := store.Contact{ID: "contact-" + strconv.FormatInt(seq, 10), Properties: store.Properties{}}
	for k, v := range p {
		if v != "" {
			c.Properties[k] = v
		}
	}
	return c, nil
}

// UpdateContact merges props into the contact's properties in one
// statement, removing those set to "". It returns an error matching
// store.ErrNotFound for an unknown ID.
func (s *Contacts) UpdateContact(ctx context.Context, id string, p store.Properties) error {
	return updateContact(ctx, s.db.w, id, p)
}

// updateContact is UpdateContact, through q.
func updateContact(ctx context.Context, q execer, id string, p store.Properties) error {
	seq, ok := seqOf("contact-", id)
	if !ok {
		return fmt.Errorf("sqlite: updating contact %q: %w", id, store.ErrNotFound)
	}
	js, err := patch(p)
	if err != nil {
		return fmt.Errorf("sqlite: updating contact %q: %w", id, err)
	}
	email, touchesEmail := p["email"]
	res, err := q.ExecContext(ctx, `UPDATE contacts SET properties = json_patch(properties, ?),
		email_key = CASE WHEN ? THEN ? ELSE email_key END WHERE seq = ?`, js, touchesEmail, emailKey(email), seq)
	return affected(res, err, "updating contact "+strconv.Quote(id))
}

// affected turns the result of a statement that must change one row into
// an error: the statement's, or one matching store.ErrNotFound.
func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	}
	return nil
}

// DeleteContact deletes a contact; a missing contact is not an error.
func (s *Contacts) DeleteContact(ctx context.Context, id string) error {
	seq, ok := seqOf("contact-", id)
	if !ok {
		return nil
	}
	if _, err := s.db.w.ExecContext(ctx, "DELETE FROM contacts WHERE seq = ?", seq); err != nil {
		return fmt.Errorf("sqlite: deleting contact %q: %w", id, err)
	}
	return nil
}

// AssociateCompany links the contact to the company, replacing any earlier
// association; companyID "" removes it. It returns an error matching
// store.ErrNotFound if either record does not exist.
func (s *Contacts) AssociateCompany(ctx context.Context, contactID, companyID string) error {
	seq, ok := seqOf("contact-", contactID)
	if !ok {
		return fmt.Errorf("sqlite: associating contact %q: %w", contactID, store.ErrNotFound)
	}
	var company any
	if companyID != "" {
		n, ok := seqOf("company-", companyID)
		if !ok {
			return fmt.Errorf("sqlite: associating company %q: %w", companyID, store.ErrNotFound)
		}
		company = n
	}
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if company != nil {
			var exists bool
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM companies WHERE seq = ?)", company).Scan(&exists); err != nil {
				return fmt.Errorf("sqlite: associating company %q: %w", companyID, err)
			}
			if !exists {
				return fmt.Errorf("sqlite: associating company %q: %w", companyID, store.ErrNotFound)
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE contacts SET company = ? WHERE seq = ?", company, seq)
		return affected(res, err, "associating contact "+strconv.Quote(contactID))
	})
}

// CreateCompany stores a new company with props (minus empty values) and
// returns it with its new ID.
func (s *Contacts) CreateCompany(ctx context.Context, p store.Properties) (store.Company, error) {
	js, err := patch(p)
	if err != nil {
		return store.Company{}, fmt.Errorf("sqlite: creating company: %w", err)
	}
	var seq int64
	if err := s.db.w.QueryRowContext(ctx, "INSERT INTO companies (properties) VALUES (json_patch('{}', ?)) RETURNING seq", js).Scan(&seq); err != nil {
		return store.Company{}, fmt.Errorf("sqlite: creating company: %w", err)
	}
	return s.Company(ctx, "company-"+strconv.FormatInt(seq, 10))
}

// Company returns the company with the given ID, or an error matching
// store.ErrNotFound.
func (s *Contacts) Company(ctx context.Context, id string) (store.Company, error) {
	seq, ok := seqOf("company-", id)
	var js string
	err := sql.ErrNoRows
	if ok {
		err = s.db.r.QueryRowContext(ctx, "SELECT properties FROM companies WHERE seq = ?", seq).Scan(&js)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.Company{}, fmt.Errorf("sqlite: company %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Company{}, fmt.Errorf("sqlite: company %q: %w", id, err)
	}
	p, err := props(js)
	if err != nil {
		return store.Company{}, fmt.Errorf("sqlite: company %q: %w", id, err)
	}
	return store.Company{ID: id, Properties: p}, nil
}

// UpdateCompany merges props into the company's properties like
// UpdateContact. It returns an error matching store.ErrNotFound for an
// unknown ID.
func (s *Contacts) UpdateCompany(ctx context.Context, id string, p store.Properties) error {
	return updateCompany(ctx, s.db.w, id, p)
}

// updateCompany is UpdateCompany, through q.
func updateCompany(ctx context.Context, q execer, id string, p store.Properties) error {
	seq, ok := seqOf("company-", id)
	if !ok {
		return fmt.Errorf("sqlite: updating company %q: %w", id, store.ErrNotFound)
	}
	js, err := patch(p)
	if err != nil {
		return fmt.Errorf("sqlite: updating company %q: %w", id, err)
	}
	res, err := q.ExecContext(ctx, "UPDATE companies SET properties = json_patch(properties, ?) WHERE seq = ?", js, seq)
	return affected(res, err, "updating company "+strconv.Quote(id))
}
