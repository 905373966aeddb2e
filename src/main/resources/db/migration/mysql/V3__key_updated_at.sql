-- Keys get the time of their last change, stamped on every insert and update, so that other
-- replicas can poll for changed keys through one indexed column. Existing keys: their latest
-- creation, revocation or rotation time.
ALTER TABLE api_keys ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE api_keys SET updated_at = GREATEST(created_at, COALESCE(revoked_at, 0), COALESCE(rotated_at, 0));
CREATE INDEX api_keys_updated ON api_keys (updated_at);
