-- +goose Up

-- A password chosen at sign-up waits in the confirmation link's row, bound
-- to the browser that chose it (the hash of a cookie set there), and
-- becomes the account's password only when that browser follows the link:
-- whoever proves the address chooses its password, never whoever typed it
-- first.
ALTER TABLE mail_tokens ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_tokens ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';

-- An unconfirmed account holds no password from now on: one set before
-- would be anybody's.
UPDATE accounts SET password_hash = '' WHERE confirmed_at IS NULL;

-- +goose Down
ALTER TABLE mail_tokens DROP COLUMN browser_hash;
ALTER TABLE mail_tokens DROP COLUMN password_hash;
