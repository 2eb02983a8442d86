-- +goose Up

-- Messages an organizer writes to the people of their community (owned by
-- message): the audience (JSON: the parts included and excluded), the
-- sender's name and Reply-To, draft → scheduled → sending → sent.
-- total_targeted is how many were written to; origin names what a
-- prepared draft was offered for (a petition's delivery, an answer).
CREATE TABLE messages (
    id             TEXT PRIMARY KEY,
    community_id   TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    from_name      TEXT NOT NULL DEFAULT '',
    reply_to       TEXT NOT NULL DEFAULT '',
    audience       TEXT NOT NULL DEFAULT '{}',
    status         TEXT NOT NULL DEFAULT 'draft', -- draft | scheduled | sending | sent
    scheduled_at   TIMESTAMPTZ,
    started_at     TIMESTAMPTZ,
    sent_at        TIMESTAMPTZ,
    total_targeted INTEGER NOT NULL DEFAULT 0,
    sent_through   TEXT NOT NULL DEFAULT '', -- the last recipient (by person id) whose mail is in the outbox
    origin         TEXT NOT NULL DEFAULT '',
    created_by     TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    modified_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_community ON messages (community_id, created_at);

-- A message's text in one language: each recipient gets theirs, or the
-- one there is.
CREATE TABLE message_versions (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL, -- Markdown
    PRIMARY KEY (message_id, lang)
);

-- Whom a message is written to, each once: the audience taken when
-- sending starts; their mails go to the outbox a chunk at a time, in
-- person id order, each chunk moving messages.sent_through in its
-- transaction, so a send resumed after a crash goes on after it.
CREATE TABLE message_recipients (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, person_id)
);
CREATE INDEX message_recipients_person ON message_recipients (person_id);

-- The outbox (owned by outbox) learns an HTML alternative, the list a
-- mail is a copy of (a message's id: its counts), and when its
-- unsubscribe link was used.
ALTER TABLE outbox ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN list_id TEXT;
ALTER TABLE outbox ADD COLUMN unsubscribed_at TIMESTAMPTZ;
CREATE INDEX outbox_list ON outbox (list_id, status, unsubscribed_at) WHERE list_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_list;
ALTER TABLE outbox DROP COLUMN unsubscribed_at;
ALTER TABLE outbox DROP COLUMN list_id;
ALTER TABLE outbox DROP COLUMN body_html;
DROP TABLE message_recipients;
DROP TABLE message_versions;
DROP TABLE messages;
