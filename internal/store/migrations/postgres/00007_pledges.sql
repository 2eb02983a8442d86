-- +goose Up

-- Durable scheduled jobs: a deadline, a window opening or closing. A job is
-- a row, so one due while the server was down runs when it starts again.
-- A runner claims due jobs with a lease (locked_until, claimed_by); a job
-- whose lease ran out while "running" belonged to a runner that died and
-- is claimed again. A pending job with locked_until in the future waits
-- out a retry backoff.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending', -- pending | running | done | failed
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    claimed_by   TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, subject_id, run_at)
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_subject ON jobs (subject_id);

-- Conditional strike pledges: "I will <action> from <window_start> to
-- <window_end>, but only if <threshold> people commit by <deadline>".
-- Commitments are participations (kind 'commitment', action_id = id).
CREATE TABLE pledges (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL,
    title         TEXT NOT NULL,
    action        TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    threshold     BIGINT NOT NULL,
    deadline      TIMESTAMPTZ NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    window_end    TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL DEFAULT 'collecting', -- collecting | activated | lapsed | under_way | ended
    activated_at  TIMESTAMPTZ,
    progress_sent BIGINT NOT NULL DEFAULT 0,          -- highest progress mail sent to organizers: 0, 25, 50, 75
    checkins_held  BIGINT NOT NULL DEFAULT 0,         -- check-in answers after the window, maintained
    checkins_broke BIGINT NOT NULL DEFAULT 0,
    created_by    TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    modified_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, slug)
);
CREATE INDEX pledges_modified ON pledges (modified_at);

-- The "did you hold the line?" links mailed when a window ends: one token
-- per committed person (its SHA-256 here), answering for their commitment
-- (participations.checkin).
CREATE TABLE pledge_checkins (
    token_hash       TEXT PRIMARY KEY,
    pledge_id        TEXT NOT NULL REFERENCES pledges (id) ON DELETE CASCADE,
    participation_id TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX pledge_checkins_participation ON pledge_checkins (participation_id);

-- +goose Down
DROP TABLE pledge_checkins;
DROP TABLE pledges;
DROP TABLE jobs;
