-- +goose Up

-- A letter campaign or a legal action closed with its campaign
-- (campaign.TacticCloser): it takes no new letter or enrolment, its page
-- and counts stay, and an enrolee already in keeps their own page, legal
-- clock and reminders. NULL: open.
ALTER TABLE letter_campaigns ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE legal_actions ADD COLUMN closed_at TIMESTAMP;

-- Those of a campaign closed before close with it, at its time.
UPDATE letter_campaigns SET closed_at = (SELECT c.closed_at FROM campaigns c WHERE c.id = letter_campaigns.campaign_id)
    WHERE campaign_id IN (SELECT id FROM campaigns WHERE closed_at IS NOT NULL);
UPDATE legal_actions SET closed_at = (SELECT c.closed_at FROM campaigns c WHERE c.id = legal_actions.campaign_id)
    WHERE campaign_id IN (SELECT id FROM campaigns WHERE closed_at IS NOT NULL);

-- +goose Down
ALTER TABLE legal_actions DROP COLUMN closed_at;
ALTER TABLE letter_campaigns DROP COLUMN closed_at;
