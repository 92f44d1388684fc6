-- Tickets name their owner and the users and teams incoming tickets are
-- assigned to (store.Ticket.OwnerID, UserIDs, TeamIDs), the lists as JSON
-- arrays (null for none).
ALTER TABLE tickets ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN user_ids TEXT NOT NULL DEFAULT 'null';
ALTER TABLE tickets ADD COLUMN team_ids TEXT NOT NULL DEFAULT 'null';
