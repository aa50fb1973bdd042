-- Who (docs/CONTRACTS.md "Who changed an exception, who collected a snapshot").
-- Append-only: never edit a released file.
-- The person (OS user or --actor) behind each exception change; NULL: recorded before v5.
ALTER TABLE exception_audit ADD COLUMN actor TEXT;
-- The machine (`user@host`) or CI pipeline that wrote each snapshot; NULL: written before v5.
ALTER TABLE snapshot ADD COLUMN collected_by TEXT;
