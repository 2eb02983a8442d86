-- +goose Up

-- A demand's status change the system records (a petition's delivery, a
-- target's answer to a letter) keeps its note as a message id and
-- arguments (JSON, i18n.Message), written in each reader's language; ''
-- for an organizer's own note and the changes recorded before.
ALTER TABLE demand_status_changes ADD COLUMN message TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE demand_status_changes DROP COLUMN message;
