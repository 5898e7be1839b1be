-- The legal record: an append-only log of events, one stream per case (or per account, list, ...).
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- global order, followed by projections
    stream_id    TEXT    NOT NULL,
    version      INTEGER NOT NULL,                   -- 1-based position within the stream
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,                   -- JSON
    actor        TEXT,                               -- user id, or NULL for the system
    recorded_at  TEXT    NOT NULL,                   -- RFC 3339, UTC
    UNIQUE (stream_id, version)
);

-- Append-only: refuse edits and deletions through SQL, so a bug cannot rewrite history.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Uploaded documents and imported files, addressed by the SHA-256 of their content.
CREATE TABLE blobs (
    sha256      TEXT    PRIMARY KEY,
    content     BLOB    NOT NULL,
    size        INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
