-- Sessions record from when they count as idle (store.IdleSessions), so
-- that a sweep finds the conversations a visitor left without writing
-- again. Only conversations in progress have a value, which keeps the
-- partial index small; the value changes only when the visitor writes, so
-- the other saves of a turn remain HOT updates.
ALTER TABLE chatflow.sessions ADD COLUMN idle_at timestamptz;
CREATE INDEX sessions_idle ON chatflow.sessions (idle_at) WHERE idle_at IS NOT NULL;
