-- +goose Up

-- An access names its request without a foreign key: the check (a probe of
-- the request's key and a lock on its row, for each access, in the
-- access history's batches) cost more than writing the access itself.
-- The access is written in the statement that writes its request, and
-- deleted with the member (erasure), or with its request's community
-- (the gateway's step of a community's deletion).
ALTER TABLE gateway_accesses DROP CONSTRAINT gateway_accesses_request_id_fkey;

-- +goose Down
DELETE FROM gateway_accesses a WHERE NOT EXISTS (SELECT 1 FROM gateway_requests r WHERE r.id = a.request_id);
ALTER TABLE gateway_accesses ADD CONSTRAINT gateway_accesses_request_id_fkey
    FOREIGN KEY (request_id) REFERENCES gateway_requests (id) ON DELETE CASCADE;
