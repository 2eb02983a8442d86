-- +goose Up

-- Bounces and complaints arriving by mail (owned by outbox). A mail to a
-- person goes out with its own envelope sender, bounces+<id>.<secret> at
-- the inbound domain; the row keeps the secret's hash (bounce_hash), so a
-- report is matched by the address it was sent to, never by what it says.
-- A hard bounce or a complaint is dated on the mail (and marks the
-- address); soft bounces are counted.
ALTER TABLE outbox ADD COLUMN bounce_hash TEXT;
ALTER TABLE outbox ADD COLUMN bounced_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN complained_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN soft_bounces INTEGER NOT NULL DEFAULT 0;
-- A list's reports are counted from the few mails that had one: the
-- counts by status stay an index-only read of outbox_list.
CREATE INDEX outbox_reported ON outbox (list_id) WHERE list_id IS NOT NULL
    AND (bounced_at IS NOT NULL OR complained_at IS NOT NULL OR soft_bounces > 0);

-- +goose Down
DROP INDEX outbox_reported;
ALTER TABLE outbox DROP COLUMN soft_bounces;
ALTER TABLE outbox DROP COLUMN complained_at;
ALTER TABLE outbox DROP COLUMN bounced_at;
ALTER TABLE outbox DROP COLUMN bounce_hash;
