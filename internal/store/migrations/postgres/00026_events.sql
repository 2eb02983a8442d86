-- +goose Up

-- A campaign's events (seminars, meetings): when, where (venue and room,
-- or an online link), how many places, and the questions of its
-- registration form (JSON: kind text|choice|yes_no, required, options).
-- sequence is the iCalendar SEQUENCE: every change of time, place or
-- status raises it, so calendars follow.
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    speakers      TEXT NOT NULL DEFAULT '',
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    timezone      TEXT NOT NULL,
    venue         TEXT NOT NULL DEFAULT '',
    room          TEXT NOT NULL DEFAULT '',
    online_url    TEXT NOT NULL DEFAULT '',
    capacity      INTEGER NOT NULL DEFAULT 0, -- 0: no limit
    registration  TEXT NOT NULL DEFAULT 'open', -- open | approval: organizers approve each
    languages     TEXT NOT NULL DEFAULT '',
    questions     TEXT NOT NULL DEFAULT '[]',
    notes         TEXT NOT NULL DEFAULT '',   -- after it: its recording or notes
    status        TEXT NOT NULL DEFAULT 'scheduled', -- scheduled | cancelled
    sequence      INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    modified_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, slug)
);
CREATE INDEX events_starts ON events (starts_at);

-- A registration's place at its event, layered on its participation
-- (kind registration): pending until the participation is confirmed, then
-- requested (awaiting the organizers' approval), approved (to be placed), refused,
-- accepted, waitlisted, offered a freed place (until offer_until, by a
-- mailed link whose hash is offer_hash), expired (the offer passed on) or
-- cancelled (withdrawn). ticket_hash is the hash of the accepted person's
-- ticket link (their page, their calendar with the online link, their
-- check-in code); answers are those to the event's questions (JSON).
CREATE TABLE event_registrations (
    participation_id TEXT PRIMARY KEY REFERENCES participations (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id        TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending',
    answers          TEXT NOT NULL DEFAULT '{}',
    ticket_hash      TEXT NOT NULL DEFAULT '',
    checkin_hash     TEXT NOT NULL DEFAULT '',
    offer_hash       TEXT NOT NULL DEFAULT '',
    offer_until      TIMESTAMPTZ,
    attended_at      TIMESTAMPTZ,
    queued_at        TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    modified_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_registrations_event ON event_registrations (event_id, state, queued_at);
CREATE INDEX event_registrations_person ON event_registrations (person_id);

-- Every change of an event's time, place or link, as before and after: the
-- change notices state them, and the page keeps them.
CREATE TABLE event_changes (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    field       TEXT NOT NULL,
    before      TEXT NOT NULL,
    after       TEXT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_changes_event ON event_changes (event_id, changed_at);

-- +goose Down
DROP TABLE event_changes;
DROP TABLE event_registrations;
DROP TABLE events;
