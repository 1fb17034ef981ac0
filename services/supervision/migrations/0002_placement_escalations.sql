-- A placement search with no suitable candidate, or no selection in time, escalates like
-- a missed deadline (PlacementSearchWorkflow).
ALTER TABLE escalations DROP CONSTRAINT escalations_kind_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_kind_check CHECK (kind IN ('TRIAGE', 'ASSESSMENT', 'PLACEMENT'));
