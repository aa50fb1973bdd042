-- Who, as ../005_who.sql. Append-only.
ALTER TABLE exception_audit ADD COLUMN actor TEXT COLLATE "C";
ALTER TABLE snapshot ADD COLUMN collected_by TEXT COLLATE "C";
