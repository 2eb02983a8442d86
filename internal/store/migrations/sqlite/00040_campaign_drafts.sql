-- +goose Up

-- A campaign saved as a draft: seen by its community's organizers only,
-- with its tactics, until they publish it. Existing campaigns are published.
ALTER TABLE campaigns ADD COLUMN draft BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN draft;
