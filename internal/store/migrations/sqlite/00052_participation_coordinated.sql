-- +goose Up

-- The integrity review's shadow flag ("coordinated"), kept beside a
-- participation instead of in its flag_reason: flagging a crowd then
-- inserts one narrow row each, where an UPDATE of participations wrote a
-- new version of the row into every one of its indexes (on PostgreSQL its
-- pages are full, so no flag could be a HOT update). A participation with
-- no flag_reason of its own and a row here reads as flagged
-- 'coordinated'. created_at is the participation's: the review queue
-- reads them in its order (participation_coordinated_order).
CREATE TABLE participation_coordinated (
    participation_id TEXT PRIMARY KEY REFERENCES participations (id) ON DELETE CASCADE,
    action_id        TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX participation_coordinated_order ON participation_coordinated (action_id, created_at, participation_id);
INSERT INTO participation_coordinated (participation_id, action_id, created_at)
    SELECT id, action_id, created_at FROM participations WHERE flag_reason = 'coordinated';
UPDATE participations SET flag_reason = '' WHERE flag_reason = 'coordinated';

-- +goose Down
UPDATE participations SET flag_reason = 'coordinated'
    WHERE flag_reason = '' AND id IN (SELECT participation_id FROM participation_coordinated);
DROP TABLE participation_coordinated;
