-- Tollgate keys: the secret is never stored, only its SHA-256 (hex) and a short display prefix.
-- The same schema as SQLite's V1 (MySQL and MariaDB: no defaults on TEXT, binary collation so ids compare exactly).
CREATE TABLE api_keys (
    id                    VARCHAR(64) PRIMARY KEY,
    name                  TEXT,
    prefix                VARCHAR(64) NOT NULL,
    secret_hash           VARCHAR(128) NOT NULL UNIQUE,
    previous_hash         VARCHAR(128),
    previous_valid_until  BIGINT,
    user_id               VARCHAR(255),
    team_id               VARCHAR(255),
    labels                TEXT NOT NULL,
    allowed_models        TEXT,
    allowed_endpoints     TEXT,
    settings              TEXT NOT NULL,
    limits                TEXT NOT NULL,
    budget                TEXT,
    expires_at            BIGINT,
    created_at            BIGINT NOT NULL,
    revoked_at            BIGINT,
    rotated_at            BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE INDEX api_keys_team ON api_keys (team_id);

CREATE TABLE subjects (
    kind        VARCHAR(16) NOT NULL,
    id          VARCHAR(255) NOT NULL,
    limits      TEXT NOT NULL,
    budget      TEXT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ledger (
    id                  BIGINT AUTO_INCREMENT PRIMARY KEY,
    ts                  BIGINT NOT NULL,
    request_id          VARCHAR(128),
    key_id              VARCHAR(64),
    user_id             VARCHAR(255),
    team_id             VARCHAR(255),
    model               VARCHAR(255),
    endpoint            VARCHAR(255) NOT NULL,
    status              INTEGER NOT NULL,
    input_tokens        BIGINT NOT NULL DEFAULT 0,
    cached_input_tokens BIGINT NOT NULL DEFAULT 0,
    cache_write_tokens  BIGINT NOT NULL DEFAULT 0,
    output_tokens       BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens    BIGINT NOT NULL DEFAULT 0,
    cost_nanousd        BIGINT NOT NULL DEFAULT 0,
    usage_source        VARCHAR(16) NOT NULL,
    priced              INTEGER NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX ledger_ts ON ledger (ts);
CREATE INDEX ledger_key_ts ON ledger (key_id, ts);
CREATE INDEX ledger_user_ts ON ledger (user_id, ts);
CREATE INDEX ledger_team_ts ON ledger (team_id, ts);
