-- Hybrid mode: tokens that let a data plane fetch configuration (stored hashed, as keys are), and
-- the data planes that have fetched it (what GET /admin/v1/dataplanes lists).
CREATE TABLE dataplane_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE data_planes (
    id                TEXT PRIMARY KEY,
    token_id          TEXT NOT NULL,
    version           TEXT NOT NULL,
    snapshot_version  TEXT NOT NULL,
    first_contact     INTEGER NOT NULL,
    last_contact      INTEGER NOT NULL
);
