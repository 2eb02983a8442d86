-- +goose Up

-- The requests a policy let through in its current minute, counted in the
-- access history's transactions, so its rate holds across instances.
CREATE TABLE gateway_rate (
    policy_id TEXT PRIMARY KEY REFERENCES gateway_policies (id) ON DELETE CASCADE,
    minute    TEXT NOT NULL,
    requests  INTEGER NOT NULL
);

-- The day a member was last written in the transparency log as read under
-- a policy: one leaf per member, policy and day. Erased with the member.
CREATE TABLE gateway_logged (
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    policy_id TEXT NOT NULL REFERENCES gateway_policies (id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    PRIMARY KEY (person_id, policy_id)
);

-- The members an aggregate counted, written once per distinct set (hash:
-- of their sorted ids) and named by each aggregate request that counted
-- them. A member's rows are erased with them, and their sets' hashes
-- cleared, so that no later aggregate reuses a set that lost them.
CREATE TABLE gateway_aggregate_sets (
    id         TEXT PRIMARY KEY,
    hash       TEXT UNIQUE,
    size       INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE gateway_aggregate_members (
    set_id    TEXT NOT NULL REFERENCES gateway_aggregate_sets (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, set_id)
);
ALTER TABLE gateway_requests ADD COLUMN set_id TEXT; -- gateway_aggregate_sets (id): an aggregate's members
CREATE INDEX gateway_requests_set ON gateway_requests (set_id, at);

-- +goose Down
DROP INDEX gateway_requests_set;
ALTER TABLE gateway_requests DROP COLUMN set_id;
DROP TABLE gateway_aggregate_members;
DROP TABLE gateway_aggregate_sets;
DROP TABLE gateway_logged;
DROP TABLE gateway_rate;
