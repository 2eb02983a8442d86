-- +goose Up

-- The transparency log stores fewer, wider rows (owned by translog): per
-- leaf, the group commit's transaction wrote a leaf row with two index
-- entries, and the integrator two hash rows with theirs, as many rows
-- again as the participation itself. Now:
-- log_leaves holds entry bundles: a row per run of leaves appended
-- together (at most about 1900 bytes), keyed by its first leaf's index,
-- its data the leaves in the tlog-tiles entry bundle format (a big-endian
-- 16-bit length, the bytes).
CREATE TABLE log_leaves_new (
    idx  INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
INSERT INTO log_leaves_new (idx, data)
    SELECT idx, unhex(printf('%04X', length(data)) || hex(data)) FROM log_leaves;

-- log_receipts finds a participation's last leaf (its receipt): one row
-- per participation, deleted when its person is erased.
CREATE TABLE log_receipts (
    subject TEXT PRIMARY KEY,
    idx     INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO log_receipts (subject, idx)
    SELECT subject, MAX(idx) FROM log_leaves WHERE subject IS NOT NULL GROUP BY subject;
DROP TABLE log_leaves;
ALTER TABLE log_leaves_new RENAME TO log_leaves;

-- log_hashes holds the tree's stored hashes 32 to a row (1 KiB): row i
-- the hashes of stored indexes 32i to 32i+31 (tlog's numbering), the
-- last row growing with each integration.
CREATE TABLE log_hashes_new (
    idx    INTEGER PRIMARY KEY,
    hashes BLOB NOT NULL
);
INSERT INTO log_hashes_new (idx, hashes)
    SELECT idx / 32, unhex(group_concat(hex(hash), '' ORDER BY idx)) FROM log_hashes GROUP BY idx / 32;
DROP TABLE log_hashes;
ALTER TABLE log_hashes_new RENAME TO log_hashes;

-- +goose Down
CREATE TABLE log_hashes_new (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);
INSERT INTO log_hashes_new (idx, hash)
    WITH RECURSIVE k (k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 31)
    SELECT h.idx * 32 + k.k, substr(h.hashes, 32 * k.k + 1, 32) FROM log_hashes h, k WHERE 32 * k.k < length(h.hashes);
DROP TABLE log_hashes;
ALTER TABLE log_hashes_new RENAME TO log_hashes;

CREATE TABLE log_leaves_new (
    idx     INTEGER PRIMARY KEY,
    data    BLOB NOT NULL,
    subject TEXT
);
INSERT INTO log_leaves_new (idx, data)
    WITH RECURSIVE e (idx, data, rest) AS (
        SELECT idx, NULL, data FROM log_leaves
        UNION ALL
        SELECT idx + (data IS NOT NULL),
            substr(rest, 3, ((instr('0123456789ABCDEF', substr(hex(substr(rest, 1, 1)), 1, 1)) - 1) * 4096 + (instr('0123456789ABCDEF', substr(hex(substr(rest, 1, 1)), 2, 1)) - 1) * 256
                + (instr('0123456789ABCDEF', substr(hex(substr(rest, 2, 1)), 1, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(hex(substr(rest, 2, 1)), 2, 1)) - 1)),
            substr(rest, 3 + ((instr('0123456789ABCDEF', substr(hex(substr(rest, 1, 1)), 1, 1)) - 1) * 4096 + (instr('0123456789ABCDEF', substr(hex(substr(rest, 1, 1)), 2, 1)) - 1) * 256
                + (instr('0123456789ABCDEF', substr(hex(substr(rest, 2, 1)), 1, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(hex(substr(rest, 2, 1)), 2, 1)) - 1))
        FROM e WHERE length(rest) > 0
    ) SELECT idx, data FROM e WHERE data IS NOT NULL;
UPDATE log_leaves_new SET subject = (SELECT r.subject FROM log_receipts r WHERE r.idx = log_leaves_new.idx);
DROP TABLE log_receipts;
DROP TABLE log_leaves;
ALTER TABLE log_leaves_new RENAME TO log_leaves;
CREATE INDEX log_leaves_subject ON log_leaves (subject) WHERE subject IS NOT NULL;
