-- +goose Up

-- Collective legal actions of a campaign: a complaint to a regulator
-- (GDPR art. 77, represented under art. 80), a group action, or a drive of
-- access requests (art. 15, 20). Enrolments are participations (kind
-- 'enrolment', action_id = id).
CREATE TABLE legal_actions (
    id                  TEXT PRIMARY KEY,
    campaign_id         TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    slug                TEXT NOT NULL,
    kind                TEXT NOT NULL, -- regulator_complaint | group_action | access_requests
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    questions           TEXT NOT NULL DEFAULT '', -- eligibility questions, one a line, answered yes or no
    mandate             TEXT NOT NULL DEFAULT '', -- the mandate an enrolee signs
    mandate_version     BIGINT NOT NULL DEFAULT 1,
    company_target_id   TEXT,                     -- the directory's company, when it names one
    company_name        TEXT NOT NULL DEFAULT '',
    company_email       TEXT NOT NULL DEFAULT '',
    company_address     TEXT NOT NULL DEFAULT '',
    authority_target_id TEXT,                     -- the company's lead authority (directory)
    portability         BIGINT NOT NULL DEFAULT 0,  -- requests also ask for art. 20 portability
    filed_at            TIMESTAMPTZ,                      -- a complaint filed (the demo's 2011 one)
    created_by          TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    modified_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, slug)
);

-- What an enrolment holds beside its participation: the eligibility
-- answers, the mandate accepted, and an access request's legal clock.
CREATE TABLE legal_enrolments (
    participation_id    TEXT PRIMARY KEY,
    action_id           TEXT NOT NULL REFERENCES legal_actions (id) ON DELETE CASCADE,
    answers             TEXT NOT NULL DEFAULT '', -- "yes"/"no", one a line, in the order of the questions
    mandate_version     BIGINT NOT NULL DEFAULT 0,  -- 0: not accepted
    mandate_accepted_at TIMESTAMPTZ,
    sent_at             TIMESTAMPTZ,                      -- the request sent by the enrolee
    due_at              TIMESTAMPTZ,                      -- sent + 1 month, + 2 when extended (art. 12(3))
    extended            BIGINT NOT NULL DEFAULT 0,
    answer              TEXT NOT NULL DEFAULT '', -- '' | complete | incomplete | none
    answered_at         TIMESTAMPTZ,
    reminded_due        TIMESTAMPTZ,                      -- the due date whose reminder went out
    overdue_at          TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    modified_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX legal_enrolments_action ON legal_enrolments (action_id);

-- Files an enrolee gives (PDF, PNG, JPEG), stored on disk under the data
-- directory by their random id.
CREATE TABLE legal_files (
    id               TEXT PRIMARY KEY,
    participation_id TEXT NOT NULL,
    action_id        TEXT NOT NULL REFERENCES legal_actions (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL, -- pdf | png | jpeg, from the content
    size             BIGINT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX legal_files_participation ON legal_files (participation_id);

-- Links to an enrolee's page mailed with the clock's reminders, beside
-- the participation's own link (which they do not replace): only the
-- token's hash is kept.
CREATE TABLE legal_links (
    token_hash       TEXT PRIMARY KEY,
    participation_id TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX legal_links_participation ON legal_links (participation_id);

-- +goose Down
DROP TABLE legal_links;
DROP TABLE legal_files;
DROP TABLE legal_enrolments;
DROP TABLE legal_actions;
