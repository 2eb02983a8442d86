-- +goose Up

-- A member's answer, for a category whose consent is ask_me, to a policy
-- of the gateway that covers it (policy_id: the gateway's policy): allow
-- serves their items of that category under that policy only; refuse, or
-- no row, serves nothing. Changeable; erased with the member.
CREATE TABLE vault_answers (
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    policy_id   TEXT NOT NULL,
    category    TEXT NOT NULL,
    allow       BOOLEAN NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, policy_id, category)
);

-- +goose Down
DROP TABLE vault_answers;
