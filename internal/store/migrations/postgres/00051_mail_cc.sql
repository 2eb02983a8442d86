-- +goose Up

-- The copies of a mail (owned by outbox): the bare addresses of its Cc
-- header, each also an SMTP recipient of the one message ("" for none).
-- A petition's delivery mail copies the organizer who delivered it. Kept
-- until the mail is delivered, like its headers.
ALTER TABLE outbox ADD COLUMN cc_addresses TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN cc_addresses;
