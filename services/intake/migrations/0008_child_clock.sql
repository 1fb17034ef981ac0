-- The clock of the case's assessment or placement search, as that child's own record last
-- sent it (patch `child-clock-recorded`: the child no longer signals it to the case's
-- workflow). While the case is in that child's stage, the deadline columns ListCases
-- filters on are the child's; `child_clock` is the serialized kahu.v1.DeadlineStatus that
-- GetCase shows.
ALTER TABLE cases
    ADD COLUMN child_clock_workflow text,
    ADD COLUMN child_deadline_kind text,
    ADD COLUMN child_due_at timestamptz,
    ADD COLUMN child_breached boolean NOT NULL DEFAULT false,
    ADD COLUMN child_tier integer NOT NULL DEFAULT 0,
    ADD COLUMN child_clock bytea;
