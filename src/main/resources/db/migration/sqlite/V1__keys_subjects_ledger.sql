-- Tollgate keys: the secret is never stored, only its SHA-256 (hex) and a short display prefix.
CREATE TABLE api_keys (
    id                    TEXT PRIMARY KEY,
    name                  TEXT,
    prefix                TEXT NOT NULL,
    secret_hash           TEXT NOT NULL UNIQUE,
    previous_hash         TEXT,
    previous_valid_until  INTEGER,
    user_id               TEXT,
    team_id               TEXT,
    labels                TEXT NOT NULL DEFAULT '{}',
    allowed_models        TEXT,
    allowed_endpoints     TEXT,
    settings              TEXT NOT NULL DEFAULT '{}',
    limits                TEXT NOT NULL DEFAULT '{}',
    budget                TEXT,
    expires_at            INTEGER,
    created_at            INTEGER NOT NULL,
    revoked_at            INTEGER,
    rotated_at            INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE INDEX api_keys_team ON api_keys (team_id);

-- Limits and budgets of users and teams (kind = 'user' | 'team'), shared by all their keys.
CREATE TABLE subjects (
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    limits      TEXT NOT NULL DEFAULT '{}',
    budget      TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);

-- One row per request that reached admission: tokens and cost, attributed. Times in epoch ms,
-- cost in nano-dollars (1e-9 USD).
CREATE TABLE ledger (
    id                  INTEGER PRIMARY KEY,
    ts                  INTEGER NOT NULL,
    request_id          TEXT,
    key_id              TEXT,
    user_id             TEXT,
    team_id             TEXT,
    model               TEXT,
    endpoint            TEXT NOT NULL,
    status              INTEGER NOT NULL,
    input_tokens        INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens       INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens    INTEGER NOT NULL DEFAULT 0,
    cost_nanousd        INTEGER NOT NULL DEFAULT 0,
    usage_source        TEXT NOT NULL,
    priced              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ledger_ts ON ledger (ts);
CREATE INDEX ledger_key_ts ON ledger (key_id, ts);
CREATE INDEX ledger_user_ts ON ledger (user_id, ts);
CREATE INDEX ledger_team_ts ON ledger (team_id, ts);
