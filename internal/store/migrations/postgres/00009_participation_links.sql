-- +goose Up

-- Mailed links now name their participation ("<id>.<secret>") and are found
-- by primary key; token_hash keeps the secret's hash and needs no index. An
-- index of random hashes cost a page write per signature in a busy ingest.
-- Links mailed before this version no longer open.
ALTER TABLE participations DROP CONSTRAINT IF EXISTS participations_token_hash_key;
UPDATE participations SET token_hash = NULL;

-- +goose Down
UPDATE participations SET token_hash = NULL;
ALTER TABLE participations ADD CONSTRAINT participations_token_hash_key UNIQUE (token_hash);
