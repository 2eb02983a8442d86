-- +goose Up

-- A participation keeps the salt its leaves are hashed with (owned by
-- participation), made when it is inserted while the log is kept, and
-- log_from, the log's size read by that transaction before its append:
-- an import's one leaf then needs no receipt row (log_receipts, one row
-- of the log's a leaf in the group commit), its receipt searching the log
-- from log_from. Its later leaves (a withdrawal) still write its receipt
-- row, with the same salt. The erasure deletes the row, its salt with it.
ALTER TABLE participations ADD COLUMN log_salt BLOB;
ALTER TABLE participations ADD COLUMN log_from BIGINT;

-- +goose Down
-- The salts go back to receipt rows, so that later leaves keep them, at
-- index -1 (none known: SQL cannot search the log from log_from, so
-- these participations' receipts are no longer offered).
INSERT INTO log_receipts (subject, idx, salt)
    SELECT id, -1, log_salt FROM participations WHERE log_salt IS NOT NULL
    ON CONFLICT (subject) DO NOTHING;
ALTER TABLE participations DROP COLUMN log_from;
ALTER TABLE participations DROP COLUMN log_salt;
