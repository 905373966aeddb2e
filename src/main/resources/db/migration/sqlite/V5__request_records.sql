-- Request records (the dashboard's Requests page): the ledger row gets its latency, its time to
-- first byte (streams) and the policies' findings; prompt and answer texts, stored only when
-- request/response logging is on, live in their own table, which the retention setting empties.
-- Hourly rollups, kept by the ledger writer in the same transaction as the rows, answer usage
-- and overview reports over long periods without reading every row.
ALTER TABLE ledger ADD COLUMN latency_ms INTEGER;
ALTER TABLE ledger ADD COLUMN ttfb_ms INTEGER;
ALTER TABLE ledger ADD COLUMN findings TEXT;
CREATE INDEX ledger_model_ts ON ledger (model, ts);
CREATE INDEX ledger_status_ts ON ledger (status, ts);

CREATE TABLE request_texts (
    row_id  TEXT PRIMARY KEY,
    ts      INTEGER NOT NULL,
    prompt  TEXT,
    answer  TEXT
);
CREATE INDEX request_texts_ts ON request_texts (ts);

-- One row per hour (ts: its start, epoch ms) and key, user, team, model and endpoint ('' for none).
CREATE TABLE ledger_hourly (
    ts                  INTEGER NOT NULL,
    key_id              TEXT NOT NULL DEFAULT '',
    user_id             TEXT NOT NULL DEFAULT '',
    team_id             TEXT NOT NULL DEFAULT '',
    model               TEXT NOT NULL DEFAULT '',
    endpoint            TEXT NOT NULL DEFAULT '',
    requests            INTEGER NOT NULL DEFAULT 0,
    errors              INTEGER NOT NULL DEFAULT 0,
    input_tokens        INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens       INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens    INTEGER NOT NULL DEFAULT 0,
    cost_nanousd        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ts, key_id, user_id, team_id, model, endpoint)
);

-- The same per UTC day (ts: its start): long periods read a row per day, not one per hour.
CREATE TABLE ledger_daily (
    ts                  INTEGER NOT NULL,
    key_id              TEXT NOT NULL DEFAULT '',
    user_id             TEXT NOT NULL DEFAULT '',
    team_id             TEXT NOT NULL DEFAULT '',
    model               TEXT NOT NULL DEFAULT '',
    endpoint            TEXT NOT NULL DEFAULT '',
    requests            INTEGER NOT NULL DEFAULT 0,
    errors              INTEGER NOT NULL DEFAULT 0,
    input_tokens        INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens       INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens    INTEGER NOT NULL DEFAULT 0,
    cost_nanousd        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ts, key_id, user_id, team_id, model, endpoint)
);

-- Latency histograms per hour and per day: requests per bucket (see LatencyHistogram for the bucket bounds).
CREATE TABLE ledger_latency_hourly (
    ts        INTEGER NOT NULL,
    bucket    INTEGER NOT NULL,
    requests  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ts, bucket)
);

CREATE TABLE ledger_latency_daily (
    ts        INTEGER NOT NULL,
    bucket    INTEGER NOT NULL,
    requests  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ts, bucket)
);

INSERT INTO ledger_hourly (ts, key_id, user_id, team_id, model, endpoint, requests, errors, input_tokens, cached_input_tokens,
                           output_tokens, reasoning_tokens, cost_nanousd)
SELECT (ts / 3600000) * 3600000, COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), COALESCE(model, ''), endpoint,
       COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens),
       SUM(reasoning_tokens), SUM(cost_nanousd)
FROM ledger GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO ledger_daily (ts, key_id, user_id, team_id, model, endpoint, requests, errors, input_tokens, cached_input_tokens,
                           output_tokens, reasoning_tokens, cost_nanousd)
SELECT (ts / 86400000) * 86400000, COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), COALESCE(model, ''), endpoint,
       COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens),
       SUM(reasoning_tokens), SUM(cost_nanousd)
FROM ledger GROUP BY 1, 2, 3, 4, 5, 6;
