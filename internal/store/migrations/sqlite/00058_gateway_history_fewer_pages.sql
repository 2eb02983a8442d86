-- +goose Up

-- Fewer pages in each of the access history's commits (every page a frame
-- of the write-ahead log, two writes to it):
-- a request is one row in one b-tree keyed by its id (ids grow with time,
-- so new rows go at its end), not a row and a separate index of its id;
-- only an aggregate's request is in the index of the members' sets;
-- and a policy's counts towards its limits, requests this minute and
-- items today, are one row. The days before a policy's last are not kept:
-- the volume limit reads today's count only.
CREATE TABLE gateway_requests_new (
    id           TEXT PRIMARY KEY,
    consumer_id  TEXT NOT NULL REFERENCES gateway_consumers (id) ON DELETE CASCADE,
    policy_id    TEXT,
    endpoint     TEXT NOT NULL,
    category     TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    items        INTEGER NOT NULL DEFAULT 0,
    members_read INTEGER NOT NULL DEFAULT 0,
    at           TIMESTAMP NOT NULL,
    set_id       TEXT -- gateway_aggregate_sets (id): an aggregate's members
) WITHOUT ROWID;
INSERT INTO gateway_requests_new (id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at, set_id)
    SELECT id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at, set_id FROM gateway_requests;
DROP TABLE gateway_requests;
ALTER TABLE gateway_requests_new RENAME TO gateway_requests;
CREATE INDEX gateway_requests_consumer ON gateway_requests (consumer_id, at);
CREATE INDEX gateway_requests_set ON gateway_requests (set_id, at) WHERE set_id IS NOT NULL;

CREATE TABLE gateway_counts (
    policy_id TEXT PRIMARY KEY REFERENCES gateway_policies (id) ON DELETE CASCADE,
    minute    TEXT NOT NULL DEFAULT '',
    requests  INTEGER NOT NULL DEFAULT 0,
    day       TEXT NOT NULL DEFAULT '',
    items     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO gateway_counts (policy_id, minute, requests) SELECT policy_id, minute, requests FROM gateway_rate;
INSERT INTO gateway_counts (policy_id, day, items)
    SELECT u.policy_id, u.day, u.items FROM gateway_usage u
    WHERE u.day = (SELECT MAX(v.day) FROM gateway_usage v WHERE v.policy_id = u.policy_id)
    ON CONFLICT (policy_id) DO UPDATE SET day = excluded.day, items = excluded.items;
DROP TABLE gateway_rate;
DROP TABLE gateway_usage;

-- +goose Down
CREATE TABLE gateway_rate (
    policy_id TEXT PRIMARY KEY REFERENCES gateway_policies (id) ON DELETE CASCADE,
    minute    TEXT NOT NULL,
    requests  INTEGER NOT NULL
);
CREATE TABLE gateway_usage (
    policy_id TEXT NOT NULL REFERENCES gateway_policies (id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    items     INTEGER NOT NULL,
    PRIMARY KEY (policy_id, day)
);
INSERT INTO gateway_rate (policy_id, minute, requests) SELECT policy_id, minute, requests FROM gateway_counts WHERE minute <> '';
INSERT INTO gateway_usage (policy_id, day, items) SELECT policy_id, day, items FROM gateway_counts WHERE day <> '';
DROP TABLE gateway_counts;

CREATE TABLE gateway_requests_new (
    id           TEXT PRIMARY KEY,
    consumer_id  TEXT NOT NULL REFERENCES gateway_consumers (id) ON DELETE CASCADE,
    policy_id    TEXT,
    endpoint     TEXT NOT NULL,
    category     TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    items        INTEGER NOT NULL DEFAULT 0,
    members_read INTEGER NOT NULL DEFAULT 0,
    at           TIMESTAMP NOT NULL,
    set_id       TEXT
);
INSERT INTO gateway_requests_new (id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at, set_id)
    SELECT id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at, set_id FROM gateway_requests;
DROP TABLE gateway_requests;
ALTER TABLE gateway_requests_new RENAME TO gateway_requests;
CREATE INDEX gateway_requests_consumer ON gateway_requests (consumer_id, at);
CREATE INDEX gateway_requests_set ON gateway_requests (set_id, at);
