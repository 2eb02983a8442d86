-- +goose Up

-- The copies of a mail (owned by outbox): the bare addresses of its Cc
-- header, each also an SMTP recipient of the one message ("" for none).
-- A petition's delivery mail copies the organizer who delivered it. Kept
-- until the mail is delivered, like its headers.
ALTER TABLE outbox ADD COLUMN cc_addresses TEXT NOT NULL DEFAULT '';

-- An organizer's timeline entry in the campaign's other languages (owned
-- by campaign): its title and body as i18n.Translations JSON, as the
-- campaign's, its sections' and demands' are ("" for none).
ALTER TABLE campaign_updates ADD COLUMN translations TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE campaign_updates DROP COLUMN translations;
ALTER TABLE outbox DROP COLUMN cc_addresses;
