-- The sign-in throttle's counters (oversight_domain::credentials): one row per key (an account from
-- one client address, or a client address), the start of its current window (Unix seconds) and the
-- attempts counted in it. Not events: rows are updated, and deleted once their window has ended.
CREATE TABLE login_throttle (
    key          TEXT   PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_start);
