-- +goose Up
-- Active members of each community, maintained by every join, approval,
-- leave and removal, so that pages and the API never count rows per view.
ALTER TABLE communities ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE communities SET member_count = (
    SELECT COUNT(*) FROM memberships m WHERE m.community_id = communities.id AND m.status = 'active');
CREATE INDEX communities_visibility ON communities (visibility, created_at);

-- +goose Down
DROP INDEX communities_visibility;
ALTER TABLE communities DROP COLUMN member_count;
