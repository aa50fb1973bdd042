-- Numbered replicas, as ../003_group_numbered.sql. Append-only.
-- The workspace's `group_numbered` setting as JSON (`false` or a list of kinds); NULL: the default.
ALTER TABLE workspace ADD COLUMN group_numbered TEXT;
