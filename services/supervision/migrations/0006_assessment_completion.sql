-- An assessment's own completion clock (patch `child-seen`: the response clock ends when the
-- child is seen, then the assessment's completion clock runs and escalates by the same tiers).
ALTER TABLE supervision.escalations DROP CONSTRAINT escalations_kind_check;
ALTER TABLE supervision.escalations ADD CONSTRAINT escalations_kind_check
    CHECK (kind IN ('TRIAGE', 'ASSESSMENT', 'PLACEMENT', 'CONVENING', 'COMPLETION', 'ASSESSMENT_COMPLETION'));
