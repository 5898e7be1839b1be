-- The legal record: an append-only log of events, one stream per case (or per account, list, ...).
CREATE TABLE events (
    seq          BIGINT      PRIMARY KEY,            -- global order, assigned under an advisory lock
    stream_id    TEXT        NOT NULL,
    version      BIGINT      NOT NULL,
    kind         TEXT        NOT NULL,
    payload      JSONB       NOT NULL,
    actor        TEXT,
    recorded_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (stream_id, version)
);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TABLE blobs (
    sha256      TEXT        PRIMARY KEY,
    content     BYTEA       NOT NULL,
    size        BIGINT      NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
