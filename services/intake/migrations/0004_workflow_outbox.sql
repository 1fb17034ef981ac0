-- The outbox: a case row commits before its workflow starts, so `workflow_started_at` says
-- when the workflow was known started (NULL: not yet, the outbox starts it), and
-- `triage_due_at` is the triage deadline counted from receipt, which the workflow arms as it
-- starts, however late that is. Cases from before are started again by the outbox, which
-- finds the workflow already there (or finished) and only records it.
ALTER TABLE cases ADD COLUMN workflow_started_at timestamptz;
ALTER TABLE cases ADD COLUMN triage_due_at timestamptz;
CREATE INDEX cases_workflow_pending ON cases (received_at) WHERE workflow_started_at IS NULL;
-- Further reports not yet delivered to their case's workflow.
CREATE INDEX reports_undelivered ON reports (received_at) WHERE additional AND delivered_at IS NULL;
