-- +goose Up

-- A member's vault: the items of their data they deposit (an import of a
-- platform's export, a CSV or JSON file, or what they enter), grouped in
-- categories. data is the item's fields, normalized (JSON text); hash is
-- its time (16 hex digits) then the SHA-256 (its first 128 bits) of its
-- category, kind, time and data, unique per person, so importing the same
-- archive twice adds nothing (the time first keeps an import's rows near
-- each other in the index).
-- happened_at is when the thing happened on the platform (NULL: unknown).
CREATE TABLE vault_items (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    happened_at TIMESTAMPTZ,
    data        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    import_id   TEXT NOT NULL DEFAULT '', -- the import that brought it, so a failed one is undone
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (person_id, hash)
);
CREATE INDEX vault_items_person ON vault_items (person_id, category, id);
CREATE INDEX vault_items_category ON vault_items (category, id);

-- A member's consent per category: share, do_not_share or ask_me. No row
-- is do_not_share: nothing is shared until the member says so.
CREATE TABLE vault_consents (
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    consent     TEXT NOT NULL,
    modified_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, category)
);
CREATE INDEX vault_consents_category ON vault_consents (category, consent, person_id);

-- An import under way: its items carry its id until it ends. One that a
-- crash stopped is undone at the next start (once older than an import
-- may last), so that no import is kept in part.
CREATE TABLE vault_imports (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    started_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE vault_imports;
DROP TABLE vault_consents;
DROP TABLE vault_items;
