-- Secrets (docs/CONTRACTS.md "Secrets"). Append-only: never edit a released file.
-- The public id of the key secret values were fingerprinted with (never the key itself).
ALTER TABLE workspace ADD COLUMN fingerprint_key_id TEXT;
-- The version of the secret detector every stored snapshot has been through. 0: written by an
-- earlier EnvParity; the first writing command re-applies the detector to every snapshot.
ALTER TABLE workspace ADD COLUMN secrets_version INTEGER NOT NULL DEFAULT 0;
