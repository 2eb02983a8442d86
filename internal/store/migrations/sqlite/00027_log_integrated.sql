-- +goose Up

-- The transparency log's integrated size (owned by translog): the leaves
-- whose tree hashes are stored. An append only takes the next places
-- (log_tree) and writes its leaves, in the transaction of the change; the
-- integrator hashes them in a transaction of its own, locking this row,
-- not log_tree. Every leaf before this migration was hashed when appended.
CREATE TABLE log_integrated (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
);
INSERT INTO log_integrated (id, size) SELECT 1, size FROM log_tree;

-- A salt no longer checks its person's row (on PostgreSQL that check
-- locked the people row of every leaf's person in the appending
-- transaction; both engines keep one schema). The salt still goes with
-- its person: translog's step of the erasure (ForgetPerson) deletes it.
ALTER TABLE log_salts RENAME TO log_salts_before_27;
CREATE TABLE log_salts (
    person_id TEXT PRIMARY KEY,
    salt      BLOB NOT NULL
);
INSERT INTO log_salts (person_id, salt) SELECT person_id, salt FROM log_salts_before_27;
DROP TABLE log_salts_before_27;

-- +goose Down
ALTER TABLE log_salts RENAME TO log_salts_since_27;
CREATE TABLE log_salts (
    person_id TEXT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    salt      BLOB NOT NULL
);
INSERT INTO log_salts (person_id, salt) SELECT person_id, salt FROM log_salts_since_27 WHERE person_id IN (SELECT id FROM people);
DROP TABLE log_salts_since_27;
DROP TABLE log_integrated;
