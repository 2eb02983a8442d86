-- +goose Up

-- A campaign saved as a draft: seen by its community's organizers only,
-- with its tactics, until they publish it. Existing campaigns are published.
ALTER TABLE campaigns ADD COLUMN draft BOOLEAN NOT NULL DEFAULT FALSE;

-- An action's participations in a status, in the order the organizers'
-- lists and deliveries page through them (participation's
-- participationsAfter): each page a seek, not a sort of them all.
CREATE INDEX participations_action_order ON participations (action_id, status, created_at, id);

-- +goose Down
DROP INDEX participations_action_order;
ALTER TABLE campaigns DROP COLUMN draft;
