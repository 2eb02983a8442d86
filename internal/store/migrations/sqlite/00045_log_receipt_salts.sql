-- +goose Up

-- A participation's leaves are hashed with a salt of its own, kept with
-- its receipt (owned by translog), rather than its person's (log_salts):
-- the receipt's row is written by every append anyway, and a salt row per
-- new person cost a second row per leaf. The code a leaf gives its person
-- is still the same within an action (one participation a person) and
-- different across actions, and the erasure still drops the salt (with
-- the receipt). A receipt from before has no salt: its participation's
-- leaves stay hashed with the person's, which the next append copies here.
ALTER TABLE log_receipts ADD COLUMN salt BLOB;

-- +goose Down
ALTER TABLE log_receipts DROP COLUMN salt;
