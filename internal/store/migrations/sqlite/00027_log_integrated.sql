-- +goose Up

-- The transparency log's integrated size (owned by translog): the leaves
-- whose tree hashes are stored. An append only takes the next places
-- (log_tree) and writes its leaves, in the transaction of the change; the
-- integrator hashes them in a transaction of its own, locking this row,
-- not log_tree. Every leaf before this migration was hashed when appended.
CREATE TABLE log_integrated (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO log_integrated (id, size) SELECT 1, size FROM log_tree;

-- +goose Down
DROP TABLE log_integrated;
