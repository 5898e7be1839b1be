-- The public register's transparency log (RFC 6962 Merkle tree); see the SQLite migration.
CREATE TABLE log_leaves (
    idx        BIGINT PRIMARY KEY,
    data       BYTEA  NOT NULL,
    event_seq  BIGINT NOT NULL
);
CREATE FUNCTION log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the log is append-only'; END $$;
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE OR DELETE ON log_leaves
FOR EACH ROW EXECUTE FUNCTION log_append_only();

CREATE TABLE log_hashes (
    level  INTEGER NOT NULL,
    idx    BIGINT  NOT NULL,
    hash   BYTEA   NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE log_checkpoints (
    size       BIGINT      PRIMARY KEY,
    root       BYTEA       NOT NULL,
    note       TEXT        NOT NULL,
    signed_at  TIMESTAMPTZ NOT NULL
);
