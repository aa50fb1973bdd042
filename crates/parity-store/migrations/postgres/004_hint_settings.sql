-- Fix hints and the incident view, as ../004_hint_settings.sql. Append-only.
-- The workspace's reference environment and service tag; NULL: the defaults.
ALTER TABLE workspace ADD COLUMN reference TEXT COLLATE "C";
ALTER TABLE workspace ADD COLUMN service_tag TEXT COLLATE "C";
