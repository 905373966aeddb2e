-- Hybrid mode: tokens that let a data plane fetch configuration (stored hashed, as keys are), and
-- the data planes that have fetched it (what GET /admin/v1/dataplanes lists).
CREATE TABLE dataplane_tokens (
    id           VARCHAR(64) PRIMARY KEY,
    name         VARCHAR(200) NOT NULL,
    prefix       VARCHAR(32) NOT NULL,
    secret_hash  VARCHAR(64) NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE data_planes (
    id                VARCHAR(64) PRIMARY KEY,
    token_id          VARCHAR(64) NOT NULL,
    version           VARCHAR(64) NOT NULL,
    snapshot_version  VARCHAR(80) NOT NULL,
    first_contact     BIGINT NOT NULL,
    last_contact      BIGINT NOT NULL
);
