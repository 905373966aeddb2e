-- Replicas: ledger rows get an id made where they are recorded, so a row written twice (a spool
-- replayed after a crash) is stored once; and a table where running replicas say they are alive.
ALTER TABLE ledger ADD COLUMN row_id TEXT;
CREATE UNIQUE INDEX ledger_row_id ON ledger (row_id);

CREATE TABLE gateway_replicas (
    replica_id    TEXT PRIMARY KEY,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL,
    shared_state  TEXT NOT NULL
);
