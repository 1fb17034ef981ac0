-- A supervisor's approval of a triage decision (policy `triage_approval`): an item on the
-- queue at once (tier 0, level APPROVAL), then the breaches of its own deadline.
ALTER TABLE supervision.escalations DROP CONSTRAINT escalations_kind_check;
ALTER TABLE supervision.escalations ADD CONSTRAINT escalations_kind_check
    CHECK (kind IN (
        'TRIAGE', 'ASSESSMENT', 'PLACEMENT', 'CONVENING', 'COMPLETION', 'ASSESSMENT_COMPLETION', 'TRIAGE_APPROVAL'
    ));
ALTER TABLE supervision.escalations DROP CONSTRAINT escalations_level_check;
ALTER TABLE supervision.escalations ADD CONSTRAINT escalations_level_check
    CHECK (level IN ('BREACH', 'WARNING', 'NO_SLOT', 'APPROVAL'));
