-- +goose Up

-- The vault's sharing version: one row, raised by every transaction that
-- changes who shares what (a consent, an answer to a policy, items added
-- or deleted, an erasure). The gateway keeps who shares a category under
-- a policy while it has not moved, and reads its pages of items only
-- while it has not.
CREATE TABLE vault_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO vault_version (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE vault_version;
