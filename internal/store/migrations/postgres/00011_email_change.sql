-- +goose Up

-- A person changing their own address through the API: the new address
-- waits in its link's row until confirmed from the mail sent to it.
ALTER TABLE mail_tokens ADD COLUMN new_email TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE mail_tokens DROP COLUMN new_email;
