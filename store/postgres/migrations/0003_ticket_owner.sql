-- Tickets name their owner and the users and teams incoming tickets are
-- assigned to (store.Ticket.OwnerID, UserIDs, TeamIDs).
ALTER TABLE chatflow.tickets
	ADD COLUMN owner_id text NOT NULL DEFAULT '',
	ADD COLUMN user_ids text[] NOT NULL DEFAULT '{}',
	ADD COLUMN team_ids text[] NOT NULL DEFAULT '{}';
