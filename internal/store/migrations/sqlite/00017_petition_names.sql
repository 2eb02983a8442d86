-- +goose Up

-- OSDI's petition "name": an administrative name, apart from the title
-- people read and from the slug of the page's address.
ALTER TABLE petitions ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE petitions DROP COLUMN name;
