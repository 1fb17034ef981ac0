-- The outbox: a triggered conference commits before its workflow starts, so
-- `workflow_started_at` stays NULL until the workflow is known started (the service's
-- outbox starts it). A case's conference is opened by its running workflow: started.
ALTER TABLE conferences ADD COLUMN workflow_started_at timestamptz;
UPDATE conferences SET workflow_started_at = created_at WHERE case_id IS NOT NULL;
CREATE INDEX conferences_workflow_pending ON conferences (created_at) WHERE workflow_started_at IS NULL;
