-- +goose Up

-- A campaign its organizers closed: its tactics were closed with it and
-- its page says when it ended. NULL: still running (or a draft).
ALTER TABLE campaigns ADD COLUMN closed_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN closed_at;
