-- The agency that made each report (its Agency enum name; '' for a member of the public),
-- so an agency reporter sees the status of its own agency's reports only
-- (policy/access.yaml, scope `agency`).
ALTER TABLE reports ADD COLUMN reporter_agency text NOT NULL DEFAULT '';
CREATE INDEX reports_case_agency ON reports (case_id, reporter_agency);
