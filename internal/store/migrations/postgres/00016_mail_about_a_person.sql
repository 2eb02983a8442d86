-- +goose Up
-- A mail may speak of someone other than its recipient: a request to join
-- a community, mailed to its organizers, names who asks, in its subject,
-- which a delivered mail keeps. Erasing that person deletes these mails
-- with them (outbox.ErasePerson). NULL: the mail names nobody else.
ALTER TABLE outbox ADD COLUMN about_person_id TEXT;
CREATE INDEX outbox_about ON outbox (about_person_id) WHERE about_person_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_about;
ALTER TABLE outbox DROP COLUMN about_person_id;
