-- +goose Up

-- The transparency log (owned by translog): one RFC 6962 Merkle tree per
-- instance. log_tree is its one row, the size; appends lock it.
CREATE TABLE log_tree (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO log_tree (id, size) VALUES (1, 0);

-- Each leaf's data by index (the entry bundles), and the participation it
-- records (for its receipt), cleared when its person is erased.
CREATE TABLE log_leaves (
    idx     BIGINT PRIMARY KEY,
    data    BYTEA NOT NULL,
    subject TEXT
);
CREATE INDEX log_leaves_subject ON log_leaves (subject) WHERE subject IS NOT NULL;

-- The tree's stored hashes (golang.org/x/mod/sumdb/tlog's numbering).
CREATE TABLE log_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

-- A person's salt: a leaf names HMAC(salt, action), never the person.
-- Erasing the person drops it, and their leaves no longer link to them.
CREATE TABLE log_salts (
    person_id TEXT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    salt      BYTEA NOT NULL
);

-- +goose Down
DROP TABLE log_salts;
DROP TABLE log_hashes;
DROP TABLE log_leaves;
DROP TABLE log_tree;
