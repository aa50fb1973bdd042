-- Numbered replicas (docs/CONTRACTS.md "Groups: numbered replicas and Auto Scaling instances").
-- Append-only: never edit a released file.
-- The workspace's `group_numbered` setting as JSON (`false` or a list of kinds); NULL: the default.
ALTER TABLE workspace ADD COLUMN group_numbered TEXT;
