-- +goose Up

-- Each letter campaign's inbound address (owned by letter):
-- answers+<inbound_token>@<inbound domain>, the Reply-To of letters whose
-- writer kept their address. The token is 128 random bits: unguessable,
-- so only those who got a letter (or its organizers) can write there.
ALTER TABLE letter_campaigns ADD COLUMN inbound_token TEXT;
UPDATE letter_campaigns SET inbound_token = lower(hex(randomblob(16))) WHERE inbound_token IS NULL;
CREATE UNIQUE INDEX letter_campaigns_inbound ON letter_campaigns (inbound_token);

-- An answer that came by mail to the inbound address (owned by letter).
ALTER TABLE target_answers ADD COLUMN by_mail BOOLEAN NOT NULL DEFAULT FALSE;

-- Mails received at a letter campaign's address whose sender is none of
-- its targets (owned by letter): held until an organizer attributes one
-- to a target (it becomes an answer) or discards it.
CREATE TABLE inbound_mails (
    id                 TEXT PRIMARY KEY,
    letter_campaign_id TEXT NOT NULL REFERENCES letter_campaigns (id) ON DELETE CASCADE,
    sender             TEXT NOT NULL,
    subject            TEXT NOT NULL DEFAULT '',
    body               TEXT NOT NULL,
    received_at        TIMESTAMP NOT NULL
);
CREATE INDEX inbound_mails_campaign ON inbound_mails (letter_campaign_id, received_at);
CREATE INDEX inbound_mails_sender ON inbound_mails (sender);

-- A company's lead supervisory authority under the GDPR (owned by
-- target), as an organizer set it: another target's id ('' when not
-- set; then it is derived from the company's country).
ALTER TABLE targets ADD COLUMN lead_authority_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE targets DROP COLUMN lead_authority_id;
DROP TABLE inbound_mails;
ALTER TABLE target_answers DROP COLUMN by_mail;
DROP INDEX letter_campaigns_inbound;
ALTER TABLE letter_campaigns DROP COLUMN inbound_token;
