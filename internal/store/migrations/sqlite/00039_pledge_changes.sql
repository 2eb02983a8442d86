-- +goose Up

-- A pledge's history: what changed after it was published that matters
-- to the people committed to it (its threshold, deadline, window, action)
-- and when it was published or closed. Values are kept as data (a number,
-- dates, the action's text), so each reader sees them in their language.
CREATE TABLE pledge_changes (
    id         TEXT PRIMARY KEY,
    pledge_id  TEXT NOT NULL REFERENCES pledges (id) ON DELETE CASCADE,
    changed_at TIMESTAMP NOT NULL,
    field      TEXT NOT NULL, -- threshold | deadline | window | action | published | closed
    old_value  TEXT NOT NULL DEFAULT '',
    new_value  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pledge_changes_pledge ON pledge_changes (pledge_id, changed_at);

-- +goose Down
DROP TABLE pledge_changes;
