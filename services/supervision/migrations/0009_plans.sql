-- A child's plan (PlanWorkflow): an action not done by its due date, and a review not held
-- by its date, escalate here like every deadline, keyed by the plan's case (one plan a
-- case), the kind and the clock's cycle of the plan's own sequence; an action's owner is
-- reminded ahead of its due date (tier 0, WARNING). They go to the plan's lead
-- professional, then the owner's manager (the escalation's assignee).
ALTER TABLE supervision.escalations DROP CONSTRAINT escalations_kind_check;
ALTER TABLE supervision.escalations ADD CONSTRAINT escalations_kind_check
    CHECK (kind IN (
        'TRIAGE', 'ASSESSMENT', 'PLACEMENT', 'CONVENING', 'COMPLETION', 'ASSESSMENT_COMPLETION', 'TRIAGE_APPROVAL',
        'PLAN_ACTION', 'PLAN_REVIEW'
    ));
