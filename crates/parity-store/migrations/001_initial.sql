-- EnvParity schema v1. Migrations are append-only: never edit a released file, add the next one.
CREATE TABLE workspace (
    id          TEXT NOT NULL,          -- UUID; keys keyring entries
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    singleton   INTEGER NOT NULL DEFAULT 1 PRIMARY KEY CHECK (singleton = 1)
);

CREATE TABLE environment (
    name        TEXT PRIMARY KEY NOT NULL,
    position    INTEGER NOT NULL,
    config      TEXT NOT NULL            -- JSON of parity_core::EnvironmentConfig (no secrets)
);

CREATE TABLE snapshot (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    environment TEXT NOT NULL REFERENCES environment(name) ON DELETE CASCADE,
    taken_at    TEXT NOT NULL,           -- RFC 3339 UTC
    source      TEXT NOT NULL,           -- aws | terraform | demo
    missing     TEXT NOT NULL,           -- JSON [{kind, reason}]; non-empty = partial
    resource_count INTEGER NOT NULL
);
CREATE INDEX snapshot_env_time ON snapshot(environment, taken_at);

CREATE TABLE resource (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    native_id   TEXT NOT NULL,
    body        TEXT NOT NULL,           -- JSON of parity_core::Resource
    PRIMARY KEY (snapshot_id, ordinal)
) WITHOUT ROWID;

CREATE TABLE rewrite_rule (
    position    INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    pattern     TEXT NOT NULL,
    replace     TEXT NOT NULL,
    UNIQUE (kind, pattern, replace)
);

CREATE TABLE ignore_rule (
    position    INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    attribute   TEXT NOT NULL,
    UNIQUE (kind, attribute)
);

CREATE TABLE exception (
    id          TEXT PRIMARY KEY NOT NULL,
    body        TEXT NOT NULL            -- JSON of parity_core::ExceptionRule
);

CREATE TABLE exception_audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    exception_id TEXT NOT NULL,          -- kept after the exception is deleted
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,           -- create | update | expire | delete
    via         TEXT NOT NULL,           -- cli | import | desktop | demo
    before      TEXT,                    -- JSON or NULL
    after       TEXT                     -- JSON or NULL
);
CREATE INDEX exception_audit_id ON exception_audit(exception_id, seq);
