-- +goose Up

-- A policy's counts towards its limits, requests this minute and items
-- today, are one row: one page less in each of the access history's
-- commits. The days before a policy's last are not kept: the volume limit
-- reads today's count only. (On SQLite, a request also becomes one b-tree
-- keyed by its id, and only aggregates' requests are in the index of the
-- members' sets; the requests here keep their heap and indexes.)

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
