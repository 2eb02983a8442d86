-- +goose Up

-- The transparency log stores fewer, wider rows (owned by translog): per
-- leaf, the group commit's transaction wrote a leaf row with two index
-- entries, and the integrator two hash rows with theirs, as many rows
-- again as the participation itself. Now:
-- log_leaves holds entry bundles: a row per run of leaves appended
-- together (at most about 1900 bytes, under PostgreSQL's TOAST
-- threshold), keyed by its first leaf's index, its data the leaves in the
-- tlog-tiles entry bundle format (a big-endian 16-bit length, the bytes).
CREATE TABLE log_leaves_new (
    idx  BIGINT PRIMARY KEY,
    data BYTEA NOT NULL
);
INSERT INTO log_leaves_new (idx, data)
    SELECT idx, decode(lpad(to_hex(length(data)), 4, '0'), 'hex') || data FROM log_leaves;

-- log_receipts finds a participation's last leaf (its receipt): one row
-- per participation, deleted when its person is erased.
CREATE TABLE log_receipts (
    subject TEXT PRIMARY KEY,
    idx     BIGINT NOT NULL
);
INSERT INTO log_receipts (subject, idx)
    SELECT subject, MAX(idx) FROM log_leaves WHERE subject IS NOT NULL GROUP BY subject;
DROP TABLE log_leaves;
ALTER TABLE log_leaves_new RENAME TO log_leaves;

-- log_hashes holds the tree's stored hashes 32 to a row (1 KiB): row i
-- the hashes of stored indexes 32i to 32i+31 (tlog's numbering), the
-- last row growing with each integration.
CREATE TABLE log_hashes_new (
    idx    BIGINT PRIMARY KEY,
    hashes BYTEA NOT NULL
);
INSERT INTO log_hashes_new (idx, hashes)
    SELECT idx / 32, string_agg(hash, ''::bytea ORDER BY idx) FROM log_hashes GROUP BY idx / 32;
DROP TABLE log_hashes;
ALTER TABLE log_hashes_new RENAME TO log_hashes;

-- +goose Down
CREATE TABLE log_hashes_new (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);
INSERT INTO log_hashes_new (idx, hash)
    SELECT h.idx * 32 + k, substring(h.hashes FROM 32 * k + 1 FOR 32)
    FROM log_hashes h, generate_series(0, 31) AS k WHERE 32 * k < length(h.hashes);
DROP TABLE log_hashes;
ALTER TABLE log_hashes_new RENAME TO log_hashes;

CREATE TABLE log_leaves_new (
    idx     BIGINT PRIMARY KEY,
    data    BYTEA NOT NULL,
    subject TEXT
);
INSERT INTO log_leaves_new (idx, data)
    WITH RECURSIVE e (idx, data, rest) AS (
        SELECT idx, substring(data FROM 3 FOR get_byte(data, 0) * 256 + get_byte(data, 1)),
            substring(data FROM 3 + get_byte(data, 0) * 256 + get_byte(data, 1)) FROM log_leaves
        UNION ALL
        SELECT idx + 1, substring(rest FROM 3 FOR get_byte(rest, 0) * 256 + get_byte(rest, 1)),
            substring(rest FROM 3 + get_byte(rest, 0) * 256 + get_byte(rest, 1)) FROM e WHERE length(rest) > 0
    ) SELECT idx, data FROM e;
UPDATE log_leaves_new SET subject = r.subject FROM log_receipts r WHERE r.idx = log_leaves_new.idx;
DROP TABLE log_receipts;
DROP TABLE log_leaves;
ALTER TABLE log_leaves_new RENAME TO log_leaves;
CREATE INDEX log_leaves_subject ON log_leaves (subject) WHERE subject IS NOT NULL;
