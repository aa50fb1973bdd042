-- Secrets (docs/CONTRACTS.md "Secrets"), as ../002_secrets.sql. Append-only.
ALTER TABLE workspace ADD COLUMN fingerprint_key_id TEXT COLLATE "C";
ALTER TABLE workspace ADD COLUMN secrets_version BIGINT NOT NULL DEFAULT 0;
