-- One escalation subsystem: a youth justice conference's clocks (CONVENING, COMPLETION)
-- escalate here too, keyed by the conference (and its case, when a case started it);
-- warnings and rounds without a slot are tier 0 items; `raise_at` is when an escalation
-- fell due, so the queue shows how late it arrived.
ALTER TABLE supervision.escalations DROP CONSTRAINT escalations_kind_check;
ALTER TABLE supervision.escalations ADD CONSTRAINT escalations_kind_check
    CHECK (kind IN ('TRIAGE', 'ASSESSMENT', 'PLACEMENT', 'CONVENING', 'COMPLETION'));
ALTER TABLE supervision.escalations ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE supervision.escalations ADD COLUMN conference_id uuid;
ALTER TABLE supervision.escalations ADD CONSTRAINT escalations_subject_check
    CHECK (case_id IS NOT NULL OR conference_id IS NOT NULL);
ALTER TABLE supervision.escalations ADD COLUMN level text NOT NULL DEFAULT 'BREACH'
    CHECK (level IN ('BREACH', 'WARNING', 'NO_SLOT'));
ALTER TABLE supervision.escalations DROP CONSTRAINT escalations_tier_check;
ALTER TABLE supervision.escalations ADD CONSTRAINT escalations_tier_check
    CHECK (tier >= 0 AND (tier > 0) = (level = 'BREACH'));
ALTER TABLE supervision.escalations ADD COLUMN raise_at timestamptz;
ALTER TABLE supervision.escalations ADD COLUMN assignee text NOT NULL DEFAULT '';
ALTER TABLE supervision.escalations DROP CONSTRAINT escalations_case_id_kind_cycle_tier_key;
CREATE UNIQUE INDEX escalations_identity
    ON supervision.escalations ((COALESCE(conference_id, case_id)), kind, cycle, tier, level);
CREATE INDEX escalations_open_by_conference
    ON supervision.escalations (conference_id, kind) WHERE resolved_at IS NULL AND conference_id IS NOT NULL;
