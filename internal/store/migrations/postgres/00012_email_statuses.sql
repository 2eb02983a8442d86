-- +goose Up

-- A person's email status belongs to the outbox, which decides what mail
-- goes out: a row here only when it is not "subscribed". Unsubscribe links
-- of the first versions (mail_tokens rows, links without a dot) no longer
-- open: every link mailed since version 10 names its mail.
CREATE TABLE email_statuses (
    person_id   TEXT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,   -- unsubscribed | bouncing | spam complaint
    modified_at TIMESTAMPTZ NOT NULL
);
INSERT INTO email_statuses (person_id, status, modified_at)
SELECT id, email_status, modified_at FROM people WHERE email_status <> 'subscribed';
ALTER TABLE people DROP COLUMN email_status;
DELETE FROM mail_tokens WHERE purpose = 'unsubscribe';

-- +goose Down
ALTER TABLE people ADD COLUMN email_status TEXT NOT NULL DEFAULT 'subscribed';
UPDATE people SET email_status = (SELECT s.status FROM email_statuses s WHERE s.person_id = people.id)
WHERE id IN (SELECT person_id FROM email_statuses);
DROP TABLE email_statuses;
