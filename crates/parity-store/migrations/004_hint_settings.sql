-- Fix hints and the incident view (docs/CONTRACTS.md "Fix hints and the incident view").
-- Append-only: never edit a released file.
-- The workspace's reference environment and service tag; NULL: the defaults.
ALTER TABLE workspace ADD COLUMN reference TEXT;
ALTER TABLE workspace ADD COLUMN service_tag TEXT;
