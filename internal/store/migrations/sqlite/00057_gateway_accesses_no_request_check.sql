-- +goose Up

-- An access names its request without a foreign key: the check (a probe of
-- the request's key and a lock on its row, for each access, in the
-- access history's batches) cost more than writing the access itself.
-- The access is written in the statement that writes its request, and
-- deleted with the member (erasure), or with its request's community
-- (the gateway's step of a community's deletion).
CREATE TABLE gateway_accesses_new (
    person_id  TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    request_id TEXT NOT NULL,
    items      INTEGER NOT NULL,
    item_ids   TEXT NOT NULL,
    PRIMARY KEY (person_id, at, request_id)
);
INSERT INTO gateway_accesses_new (person_id, at, request_id, items, item_ids)
    SELECT person_id, at, request_id, items, item_ids FROM gateway_accesses;
DROP TABLE gateway_accesses;
ALTER TABLE gateway_accesses_new RENAME TO gateway_accesses;

-- +goose Down
CREATE TABLE gateway_accesses_new (
    person_id  TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    request_id TEXT NOT NULL REFERENCES gateway_requests (id) ON DELETE CASCADE,
    items      INTEGER NOT NULL,
    item_ids   TEXT NOT NULL,
    PRIMARY KEY (person_id, at, request_id)
);
INSERT INTO gateway_accesses_new (person_id, at, request_id, items, item_ids)
    SELECT a.person_id, a.at, a.request_id, a.items, a.item_ids FROM gateway_accesses a
    WHERE EXISTS (SELECT 1 FROM gateway_requests r WHERE r.id = a.request_id);
DROP TABLE gateway_accesses;
ALTER TABLE gateway_accesses_new RENAME TO gateway_accesses;
