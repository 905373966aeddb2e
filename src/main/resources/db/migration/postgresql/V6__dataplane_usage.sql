-- Hybrid mode, usage going home: a ledger row says which data plane served it (null: this gateway,
-- a control plane or a standalone one), and each data plane's record says how many rows it reported
-- waiting in its spool and how many the control plane has stored from it.
ALTER TABLE ledger ADD COLUMN data_plane_id VARCHAR(64);
CREATE INDEX ledger_data_plane_ts ON ledger (data_plane_id, ts, id);
ALTER TABLE data_planes ADD COLUMN rows_waiting BIGINT NOT NULL DEFAULT 0;
ALTER TABLE data_planes ADD COLUMN rows_received BIGINT NOT NULL DEFAULT 0;
