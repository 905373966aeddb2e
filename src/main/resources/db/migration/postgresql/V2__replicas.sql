-- Replicas: ledger rows get an id made where they are recorded, so a row written twice (a spool
-- replayed after a crash) is stored once; and a table where running replicas say they are alive.
ALTER TABLE ledger ADD COLUMN row_id VARCHAR(64);
CREATE UNIQUE INDEX ledger_row_id ON ledger (row_id);

CREATE TABLE gateway_replicas (
    replica_id    VARCHAR(64) PRIMARY KEY,
    started_at    BIGINT NOT NULL,
    heartbeat_at  BIGINT NOT NULL,
    shared_state  VARCHAR(32) NOT NULL
);
