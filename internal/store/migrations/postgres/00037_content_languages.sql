-- +goose Up

-- Content in two languages: a campaign's columns hold its text in its own
-- language (campaigns.language, at first its community's); the other
-- languages' versions are JSON (language → field → text, i18n.Translations)
-- in a translations column of the content's own table.
ALTER TABLE campaigns ADD COLUMN language TEXT NOT NULL DEFAULT '';
UPDATE campaigns SET language = COALESCE((SELECT language FROM communities WHERE communities.id = campaigns.community_id), 'en');
ALTER TABLE campaigns ADD COLUMN translations TEXT NOT NULL DEFAULT '';
ALTER TABLE demand_sections ADD COLUMN translations TEXT NOT NULL DEFAULT '';
ALTER TABLE demands ADD COLUMN translations TEXT NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN translations TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN translations TEXT NOT NULL DEFAULT '';

-- A timeline entry the system wrote (a delivery, a new goal, an answer)
-- keeps its message ids and arguments as JSON, rendered in each reader's
-- language; '' for an organizer's own entry (and those written before).
ALTER TABLE campaign_updates ADD COLUMN message TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE campaign_updates DROP COLUMN message;
ALTER TABLE pledges DROP COLUMN translations;
ALTER TABLE petitions DROP COLUMN translations;
ALTER TABLE demands DROP COLUMN translations;
ALTER TABLE demand_sections DROP COLUMN translations;
ALTER TABLE campaigns DROP COLUMN translations;
ALTER TABLE campaigns DROP COLUMN language;
