-- The first schema of chatflow's PostgreSQL stores. Everything lives in the
-- schema "chatflow", which Migrate creates.

CREATE TABLE chatflow.companies (
	id         text PRIMARY KEY,
	seq        bigint NOT NULL UNIQUE,
	properties jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE chatflow.company_seq OWNED BY chatflow.companies.seq;

-- email_key is the contact's "email" property folded for case-insensitive
-- lookup, kept by the adapter (see internal/fold), or NULL without one.
CREATE TABLE chatflow.contacts (
	id         text PRIMARY KEY,
	seq        bigint NOT NULL UNIQUE,
	properties jsonb NOT NULL DEFAULT '{}',
	email_key  text,
	company_id text REFERENCES chatflow.companies (id),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE chatflow.contact_seq OWNED BY chatflow.contacts.seq;
CREATE INDEX contacts_email_key ON chatflow.contacts (email_key, seq) WHERE email_key IS NOT NULL;

-- Sessions are rewritten on every turn; room on each page lets PostgreSQL
-- update them in place (HOT: no column it changes is indexed).
CREATE TABLE chatflow.sessions (
	id         text PRIMARY KEY,
	data       bytea NOT NULL,
	version    bigint NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);

-- Consent records are append-only: see consent_records_guard below.
CREATE TABLE chatflow.consent_records (
	seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                text NOT NULL UNIQUE,
	visitor_id        text,
	contact_id        text,
	kind              text NOT NULL,
	basis             text NOT NULL,
	subscription_type text NOT NULL,
	text              text NOT NULL,
	text_hash         text NOT NULL,
	choice            text NOT NULL,
	at                timestamptz NOT NULL,
	chatflow_id       text NOT NULL,
	flow_version      integer NOT NULL,
	action            text NOT NULL,
	conversation_id   text NOT NULL
);
CREATE INDEX consent_records_visitor ON chatflow.consent_records (visitor_id, seq) WHERE visitor_id IS NOT NULL;
CREATE INDEX consent_records_contact ON chatflow.consent_records (contact_id, seq) WHERE contact_id IS NOT NULL;

-- The guard makes the table append-only for every role, the owner
-- included: an UPDATE may only fill in a missing contact_id (LinkContact),
-- and DELETE or TRUNCATE is refused unless the transaction declared an
-- erasure with SET LOCAL chatflow.erasure = 'on' (Erase does). A superuser
-- or the owner can still disable the trigger: hosts that need more run
-- the application as a role without that power (see the package doc).
CREATE FUNCTION chatflow.consent_records_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	linked chatflow.consent_records;
BEGIN
	IF TG_OP = 'UPDATE' THEN
		linked := NEW;
		linked.contact_id := OLD.contact_id;
		IF OLD.contact_id IS NULL AND NEW.contact_id IS NOT NULL AND linked IS NOT DISTINCT FROM OLD THEN
			RETURN NEW;
		END IF;
		RAISE EXCEPTION 'chatflow: consent records are append-only (only a missing contact may be linked)'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF current_setting('chatflow.erasure', true) = 'on' THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'chatflow: consent records are append-only (% outside an erasure)', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER consent_records_append_only
	BEFORE UPDATE OR DELETE ON chatflow.consent_records
	FOR EACH ROW EXECUTE FUNCTION chatflow.consent_records_guard();
CREATE TRIGGER consent_records_no_truncate
	BEFORE TRUNCATE ON chatflow.consent_records
	FOR EACH STATEMENT EXECUTE FUNCTION chatflow.consent_records_guard();

CREATE TABLE chatflow.subscriptions (
	contact_id text NOT NULL,
	type       text NOT NULL,
	state      text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (contact_id, type)
);

CREATE TABLE chatflow.lists (
	id text PRIMARY KEY
);
CREATE TABLE chatflow.list_members (
	list_id    text NOT NULL REFERENCES chatflow.lists (id) ON DELETE CASCADE,
	contact_id text NOT NULL,
	added_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_contact ON chatflow.list_members (contact_id);

CREATE TABLE chatflow.workflows (
	id     text PRIMARY KEY,
	active boolean NOT NULL
);
CREATE TABLE chatflow.enrollments (
	workflow_id text NOT NULL REFERENCES chatflow.workflows (id) ON DELETE CASCADE,
	contact_id  text NOT NULL,
	enrolled_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (workflow_id, contact_id)
);
CREATE INDEX enrollments_contact ON chatflow.enrollments (contact_id);

-- A NULL idempotency key (the caller passed none) never conflicts.
CREATE TABLE chatflow.tickets (
	id              text PRIMARY KEY,
	seq             bigint NOT NULL UNIQUE,
	idempotency_key text UNIQUE,
	name            text NOT NULL,
	pipeline        text NOT NULL,
	status          text NOT NULL,
	priority        text NOT NULL,
	description     text NOT NULL,
	contact_id      text NOT NULL,
	conversation_id text NOT NULL,
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE chatflow.ticket_seq OWNED BY chatflow.tickets.seq;
CREATE INDEX tickets_contact ON chatflow.tickets (contact_id, seq);

CREATE TABLE chatflow.meeting_links (
	id              text PRIMARY KEY,
	url             text NOT NULL,
	custom_fields   text[] NOT NULL DEFAULT '{}',
	available_soon  boolean NOT NULL DEFAULT false,
	captcha         boolean NOT NULL DEFAULT false,
	privacy_consent boolean NOT NULL DEFAULT false
);

-- document is the weighted full-text vector of an article, computed by the
-- adapter's insert in the article's text-search configuration: title (A),
-- subtitle and tags (B), category and subcategory (C), body (D).
CREATE TABLE chatflow.articles (
	id          text PRIMARY KEY,
	title       text NOT NULL,
	subtitle    text NOT NULL,
	body        text NOT NULL,
	category    text NOT NULL,
	subcategory text NOT NULL,
	tags        text[] NOT NULL,
	url         text NOT NULL,
	restricted  boolean NOT NULL,
	language    regconfig NOT NULL,
	document    tsvector NOT NULL
);
CREATE INDEX articles_document ON chatflow.articles USING gin (document);
