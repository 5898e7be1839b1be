-- The public register's transparency log (RFC 6962 Merkle tree).
-- Leaves: the published records, byte for byte, in log order. Appended in the same transaction as
-- the event that publishes them.
CREATE TABLE log_leaves (
    idx        INTEGER PRIMARY KEY,          -- 0-based leaf index
    data       BLOB    NOT NULL,             -- the public record (canonical JSON bytes)
    event_seq  INTEGER NOT NULL              -- the event that published it
);
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;

-- Leaf hashes and complete-subtree hashes every 4th level (see oversight-tlog's storage scheme).
CREATE TABLE log_hashes (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hash   BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed checkpoints (C2SP signed notes), one per tree size that was signed.
CREATE TABLE log_checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB    NOT NULL,
    note       TEXT    NOT NULL,
    signed_at  TEXT    NOT NULL
);
