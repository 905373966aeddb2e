-- Request records (the dashboard's Requests page): the ledger row gets its latency, its time to
-- first byte (streams) and the policies' findings; prompt and answer texts, stored only when
-- request/response logging is on, live in their own table, which the retention setting empties.
-- Hourly rollups, kept by the ledger writer in the same transaction as the rows, answer usage
-- and overview reports over long periods without reading every row.
ALTER TABLE ledger ADD COLUMN latency_ms BIGINT;
ALTER TABLE ledger ADD COLUMN ttfb_ms BIGINT;
ALTER TABLE ledger ADD COLUMN findings TEXT;
CREATE INDEX ledger_model_ts ON ledger (model, ts);
CREATE INDEX ledger_status_ts ON ledger (status, ts);

CREATE TABLE request_texts (
    row_id  VARCHAR(64) PRIMARY KEY,
    ts      BIGINT NOT NULL,
    prompt  MEDIUMTEXT,
    answer  MEDIUMTEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX request_texts_ts ON request_texts (ts);

-- One row per hour (ts: its start, epoch ms) and key, user, team, model and endpoint ('' for none).
-- Five long columns exceed InnoDB's key length: the key is the hour and a hash of the five, which
-- the database computes itself (MariaDB allows no primary key on it: a unique one).
CREATE TABLE ledger_hourly (
    id                  BIGINT AUTO_INCREMENT PRIMARY KEY,
    ts                  BIGINT NOT NULL,
    key_id              VARCHAR(64) NOT NULL DEFAULT '',
    user_id             VARCHAR(255) NOT NULL DEFAULT '',
    team_id             VARCHAR(255) NOT NULL DEFAULT '',
    model               VARCHAR(255) NOT NULL DEFAULT '',
    endpoint            VARCHAR(255) NOT NULL DEFAULT '',
    dims_hash           BINARY(32) AS (UNHEX(SHA2(CONCAT_WS(0x1f, key_id, user_id, team_id, model, endpoint), 256))) STORED,
    requests            BIGINT NOT NULL DEFAULT 0,
    errors              BIGINT NOT NULL DEFAULT 0,
    input_tokens        BIGINT NOT NULL DEFAULT 0,
    cached_input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens       BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens    BIGINT NOT NULL DEFAULT 0,
    cost_nanousd        BIGINT NOT NULL DEFAULT 0,
    UNIQUE KEY ledger_hourly_dims (ts, dims_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The same per UTC day (ts: its start): long periods read a row per day, not one per hour.
CREATE TABLE ledger_daily (
    id                  BIGINT AUTO_INCREMENT PRIMARY KEY,
    ts                  BIGINT NOT NULL,
    key_id              VARCHAR(64) NOT NULL DEFAULT '',
    user_id             VARCHAR(255) NOT NULL DEFAULT '',
    team_id             VARCHAR(255) NOT NULL DEFAULT '',
    model               VARCHAR(255) NOT NULL DEFAULT '',
    endpoint            VARCHAR(255) NOT NULL DEFAULT '',
    dims_hash           BINARY(32) AS (UNHEX(SHA2(CONCAT_WS(0x1f, key_id, user_id, team_id, model, endpoint), 256))) STORED,
    requests            BIGINT NOT NULL DEFAULT 0,
    errors              BIGINT NOT NULL DEFAULT 0,
    input_tokens        BIGINT NOT NULL DEFAULT 0,
    cached_input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens       BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens    BIGINT NOT NULL DEFAULT 0,
    cost_nanousd        BIGINT NOT NULL DEFAULT 0,
    UNIQUE KEY ledger_daily_dims (ts, dims_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Latency histograms per hour and per day: requests per bucket (see LatencyHistogram for the bucket bounds).
CREATE TABLE ledger_latency_hourly (
    ts        BIGINT NOT NULL,
    bucket    INTEGER NOT NULL,
    requests  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ts, bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ledger_latency_daily (
    ts        BIGINT NOT NULL,
    bucket    INTEGER NOT NULL,
    requests  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ts, bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO ledger_hourly (ts, key_id, user_id, team_id, model, endpoint, requests, errors, input_tokens, cached_input_tokens,
                           output_tokens, reasoning_tokens, cost_nanousd)
SELECT (ts DIV 3600000) * 3600000, COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), COALESCE(model, ''), endpoint,
       COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens),
       SUM(reasoning_tokens), SUM(cost_nanousd)
FROM ledger GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO ledger_daily (ts, key_id, user_id, team_id, model, endpoint, requests, errors, input_tokens, cached_input_tokens,
                           output_tokens, reasoning_tokens, cost_nanousd)
SELECT (ts DIV 86400000) * 86400000, COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), COALESCE(model, ''), endpoint,
       COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens),
       SUM(reasoning_tokens), SUM(cost_nanousd)
FROM ledger GROUP BY 1, 2, 3, 4, 5, 6;
