-- +goose Up

-- Unsubscribe links now name their mail ("<outbox id>.<secret>"): the mail
-- is found by its primary key and keeps the secret's hash here, instead of
-- a mail_tokens row per mail whose primary key, a random hash, cost a page
-- write per mail in a pledge's fan-out to 100,000 people. NULL: the mail
-- carries no unsubscribe link. Links mailed before this version stay in
-- mail_tokens and keep working until they expire.
ALTER TABLE outbox ADD COLUMN unsubscribe_hash TEXT;

-- +goose Down
ALTER TABLE outbox DROP COLUMN unsubscribe_hash;
