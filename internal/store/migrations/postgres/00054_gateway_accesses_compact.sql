-- +goose Up

-- An access to a member's data is one narrow row per member and request:
-- the request's consumer, policy and category are read through its row,
-- its time is kept for the member's page in order (the key's prefix), and
-- no id of its own. Erased with the member by the gateway's step of the
-- erasure (no cascade from people: its check locked the member's row in
-- every batch of the access history).
CREATE TABLE gateway_accesses_new (
    person_id  TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    request_id TEXT NOT NULL REFERENCES gateway_requests (id) ON DELETE CASCADE,
    items      INTEGER NOT NULL,
    item_ids   TEXT NOT NULL,
    PRIMARY KEY (person_id, at, request_id)
);
INSERT INTO gateway_accesses_new (person_id, at, request_id, items, item_ids)
    SELECT person_id, at, request_id, items, item_ids FROM gateway_accesses;
DROP TABLE gateway_accesses;
ALTER TABLE gateway_accesses_new RENAME TO gateway_accesses;
ALTER INDEX gateway_accesses_new_pkey RENAME TO gateway_accesses_pkey;
ALTER TABLE gateway_accesses RENAME CONSTRAINT gateway_accesses_new_request_id_fkey TO gateway_accesses_request_id_fkey;

-- +goose Down
CREATE TABLE gateway_accesses_new (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES gateway_requests (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    consumer_id TEXT NOT NULL,
    policy_id   TEXT NOT NULL,
    category    TEXT NOT NULL,
    item_ids    TEXT NOT NULL,
    items       INTEGER NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
INSERT INTO gateway_accesses_new (id, request_id, person_id, consumer_id, policy_id, category, item_ids, items, at)
    SELECT a.request_id || ':' || a.person_id, a.request_id, a.person_id, r.consumer_id, COALESCE(r.policy_id, ''), r.category, a.item_ids,
        a.items, a.at
    FROM gateway_accesses a JOIN gateway_requests r ON r.id = a.request_id JOIN people p ON p.id = a.person_id;
DROP TABLE gateway_accesses;
ALTER TABLE gateway_accesses_new RENAME TO gateway_accesses;
ALTER INDEX gateway_accesses_new_pkey RENAME TO gateway_accesses_pkey;
ALTER TABLE gateway_accesses RENAME CONSTRAINT gateway_accesses_new_request_id_fkey TO gateway_accesses_request_id_fkey;
ALTER TABLE gateway_accesses RENAME CONSTRAINT gateway_accesses_new_person_id_fkey TO gateway_accesses_person_id_fkey;
CREATE INDEX gateway_accesses_person ON gateway_accesses (person_id, at);
