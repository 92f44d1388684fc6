-- The first schema of chatflow's SQLite stores. IDs such as "contact-7"
-- are the prefix and the row's seq; AUTOINCREMENT keeps a deleted row's
-- number from being given to a new one.

CREATE TABLE companies (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	properties TEXT NOT NULL DEFAULT '{}'
);

-- email_key is the "email" property folded for case-insensitive lookup
-- (see internal/fold), or NULL without one.
CREATE TABLE contacts (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	properties TEXT NOT NULL DEFAULT '{}',
	email_key  TEXT,
	company    INTEGER REFERENCES companies (seq)
);
CREATE INDEX contacts_email_key ON contacts (email_key, seq) WHERE email_key IS NOT NULL;

CREATE TABLE sessions (
	id      TEXT PRIMARY KEY,
	data    BLOB NOT NULL,
	version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE consent_records (
	seq               INTEGER PRIMARY KEY AUTOINCREMENT,
	id                TEXT NOT NULL UNIQUE,
	visitor_id        TEXT,
	contact_id        TEXT,
	kind              TEXT NOT NULL,
	basis             TEXT NOT NULL,
	subscription_type TEXT NOT NULL,
	text              TEXT NOT NULL,
	text_hash         TEXT NOT NULL,
	choice            TEXT NOT NULL,
	at                TEXT NOT NULL, -- RFC 3339 with nanoseconds, UTC
	chatflow_id       TEXT NOT NULL,
	flow_version      INTEGER NOT NULL,
	action            TEXT NOT NULL,
	conversation_id   TEXT NOT NULL
);
CREATE INDEX consent_records_visitor ON consent_records (visitor_id, seq) WHERE visitor_id IS NOT NULL;
CREATE INDEX consent_records_contact ON consent_records (contact_id, seq) WHERE contact_id IS NOT NULL;

-- Consent records are append-only: an UPDATE may only fill in a missing
-- contact (LinkContact), and a DELETE needs the row Erase puts in
-- consent_erasure for the length of its transaction.
CREATE TABLE consent_erasure (on_ INTEGER NOT NULL);
CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON consent_records
WHEN NOT (OLD.contact_id IS NULL AND NEW.contact_id IS NOT NULL
	AND NEW.seq IS OLD.seq AND NEW.id IS OLD.id AND NEW.visitor_id IS OLD.visitor_id AND NEW.kind IS OLD.kind
	AND NEW.basis IS OLD.basis AND NEW.subscription_type IS OLD.subscription_type AND NEW.text IS OLD.text
	AND NEW.text_hash IS OLD.text_hash AND NEW.choice IS OLD.choice AND NEW.at IS OLD.at
	AND NEW.chatflow_id IS OLD.chatflow_id AND NEW.flow_version IS OLD.flow_version AND NEW.action IS OLD.action
	AND NEW.conversation_id IS OLD.conversation_id)
BEGIN
	SELECT RAISE(ABORT, 'chatflow: consent records are append-only (only a missing contact may be linked)');
END;
CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
WHEN NOT EXISTS (SELECT 1 FROM consent_erasure)
BEGIN
	SELECT RAISE(ABORT, 'chatflow: consent records are append-only (DELETE outside an erasure)');
END;

CREATE TABLE subscriptions (
	contact_id TEXT NOT NULL,
	type       TEXT NOT NULL,
	state      TEXT NOT NULL,
	PRIMARY KEY (contact_id, type)
) WITHOUT ROWID;

CREATE TABLE lists (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE list_members (
	list_id    TEXT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
	contact_id TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	PRIMARY KEY (list_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX list_members_contact ON list_members (contact_id);

CREATE TABLE workflows (id TEXT PRIMARY KEY, active INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE enrollments (
	workflow_id TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
	contact_id  TEXT NOT NULL,
	PRIMARY KEY (workflow_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX enrollments_contact ON enrollments (contact_id);

CREATE TABLE tickets (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	idempotency_key TEXT UNIQUE, -- NULL (no key) never conflicts
	name            TEXT NOT NULL,
	pipeline        TEXT NOT NULL,
	status          TEXT NOT NULL,
	priority        TEXT NOT NULL,
	description     TEXT NOT NULL,
	contact_id      TEXT NOT NULL,
	conversation_id TEXT NOT NULL
);
CREATE INDEX tickets_contact ON tickets (contact_id, seq);

CREATE TABLE meeting_links (
	id              TEXT PRIMARY KEY,
	url             TEXT NOT NULL,
	custom_fields   TEXT NOT NULL, -- a JSON array
	available_soon  INTEGER NOT NULL,
	captcha         INTEGER NOT NULL,
	privacy_consent INTEGER NOT NULL
) WITHOUT ROWID;

-- articles_fts indexes the articles' text under the same rowid; the
-- adapter keeps the two in step.
CREATE TABLE articles (
	id          TEXT NOT NULL UNIQUE,
	title       TEXT NOT NULL,
	subtitle    TEXT NOT NULL,
	body        TEXT NOT NULL,
	category    TEXT NOT NULL,
	subcategory TEXT NOT NULL,
	tags        TEXT NOT NULL, -- a JSON array
	url         TEXT NOT NULL,
	restricted  INTEGER NOT NULL
);
CREATE VIRTUAL TABLE articles_fts USING fts5 (
	title, subtitle, tags, category, subcategory, body,
	tokenize = 'porter unicode61 remove_diacritics 2'
);
