-- +goose Up
-- Files sent with a mail (a petition's signers as CSV on delivery): a JSON
-- array of {"name", "content_type", "data" (base64)}.
ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE outbox DROP COLUMN attachments;
