-- +goose Up

-- Who got a pledge's "it's on" mail: the activation fan-out and each
-- latecomer's confirmation skip the participations listed here, so every
-- committed person gets it once, even after withdrawing and confirming again.
CREATE TABLE pledge_activation_mails (
    participation_id TEXT PRIMARY KEY REFERENCES participations (id) ON DELETE CASCADE,
    pledge_id        TEXT NOT NULL REFERENCES pledges (id) ON DELETE CASCADE,
    sent_at          TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE pledge_activation_mails;
