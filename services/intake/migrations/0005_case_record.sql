-- The case's record (PostgreSQL is the system of record; Temporal orchestrates): every event
-- of each of the case's workflows, exactly once per event id ("<workflow id>:<n>"), written
-- as it happens by the worker (RecordCaseEvents) and never changed or removed.
CREATE TABLE case_events (
    event_id text PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (case_id),
    workflow_id text NOT NULL,
    seq integer NOT NULL CHECK (seq >= 0),
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_events_by_case ON case_events (case_id, at, workflow_id, seq);

CREATE FUNCTION case_events_refuse() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'a case''s events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER case_events_no_change BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_refuse();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_refuse();

-- Where each case stands, as its workflows last said (a newer version replaces an older one,
-- never the reverse): the case workflow's part (`standing_version`) and its assessment's
-- (`assessment_version`). The columns ListCases filters and orders on are kept beside the
-- serialized messages GetCase answers with.
ALTER TABLE cases
    ADD COLUMN standing_version bigint NOT NULL DEFAULT 0,
    ADD COLUMN pathway text,
    ADD COLUMN timeframe text,
    ADD COLUMN outcome text,
    ADD COLUMN deadline_kind text,
    ADD COLUMN due_at timestamptz,
    ADD COLUMN breached boolean NOT NULL DEFAULT false,
    ADD COLUMN tier integer NOT NULL DEFAULT 0,
    -- serialized kahu.v1.CaseStanding (proposal, decision, placement, ...)
    ADD COLUMN standing bytea,
    ADD COLUMN assessment_version bigint NOT NULL DEFAULT 0,
    ADD COLUMN assignee text,
    -- serialized kahu.v1.AssessmentStanding
    ADD COLUMN assessment bytea,
    -- the order of "most urgent first": the running deadline, cases with none last
    ADD COLUMN urgent_at timestamptz GENERATED ALWAYS AS (COALESCE(due_at, 'infinity'::timestamptz)) STORED;

-- ListCases: keyset pages newest first (received_at, case_id) or most urgent first
-- (urgent_at, case_id), every filter served by an index (tests/intake/test_list_cases.py
-- checks on 100,000 cases that no plan reads the whole table).
CREATE INDEX cases_newest ON cases (received_at, case_id);
CREATE INDEX cases_urgent ON cases (urgent_at, case_id);
CREATE INDEX cases_site_newest ON cases (site, received_at, case_id);
CREATE INDEX cases_site_urgent ON cases (site, urgent_at, case_id);
CREATE INDEX cases_region_newest ON cases (region, received_at, case_id);
CREATE INDEX cases_region_urgent ON cases (region, urgent_at, case_id);
CREATE INDEX cases_stage_newest ON cases (stage, received_at, case_id);
CREATE INDEX cases_stage_urgent ON cases (stage, urgent_at, case_id);
CREATE INDEX cases_timeframe_newest ON cases (timeframe, received_at, case_id) WHERE timeframe IS NOT NULL;
CREATE INDEX cases_assignee_newest ON cases (assignee, received_at, case_id) WHERE assignee IS NOT NULL;
CREATE INDEX cases_tier_newest ON cases (tier, received_at, case_id) WHERE tier > 0;
