-- Sessions record from when they count as idle (store.IdleSessions), in
-- Unix milliseconds, so that a sweep finds the conversations a visitor
-- left without writing again. Only conversations in progress have a value,
-- which keeps the partial index small.
ALTER TABLE sessions ADD COLUMN idle_at INTEGER;
CREATE INDEX sessions_idle ON sessions (idle_at) WHERE idle_at IS NOT NULL;
