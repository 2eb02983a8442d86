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

-- A salt no longer checks its person's row: that check locked the
-- people row of every leaf's person in the appending transaction. The
-- salt still goes with its person: translog's step of the erasure
-- (ForgetPerson) deletes it.
ALTER TABLE log_salts DROP CONSTRAINT IF EXISTS log_salts_person_id_fkey;

-- +goose Down
ALTER TABLE log_salts ADD CONSTRAINT log_salts_person_id_fkey FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE CASCADE;
DROP TABLE log_integrated;
