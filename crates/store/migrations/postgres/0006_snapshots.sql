-- Snapshots of the read models (issue 16): what the app's projections were after folding every event
-- up to `last_seq`, so a node starts from the newest valid one and folds only the events after it.
-- Not the record: a snapshot can always be thrown away and rebuilt from the events. The body is
-- opaque to the store (the app's serialisation, `format` its version); `anchor` is what the app
-- recorded to tell the snapshot still belongs to this log; `body_sha256` is checked on every read.
CREATE TABLE snapshots (
    last_seq     BIGINT      PRIMARY KEY,
    format       INTEGER     NOT NULL,
    anchor       TEXT        NOT NULL,
    body_sha256  TEXT        NOT NULL,
    size         BIGINT      NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    body         BYTEA       NOT NULL
);
