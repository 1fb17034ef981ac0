-- The assessment's part of its case's record (workflows/record.py): where it stands, as its
-- workflow last said (a newer version replaces an older one, never the reverse), with the
-- case's place that a caller's scope is checked against, and every event of its workflow,
-- exactly once per event id ("<workflow id>:<n>"), never changed or removed. GetAssessment
-- reads them without Temporal.
CREATE TABLE assessments (
    case_id uuid PRIMARY KEY,
    site text NOT NULL,
    region text NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    social_worker text,
    -- serialized kahu.v1.AssessmentStanding
    standing bytea,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assessment_events (
    event_id text PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES assessments (case_id),
    seq integer NOT NULL CHECK (seq >= 0),
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessment_events_by_case ON assessment_events (case_id, seq);

CREATE FUNCTION assessment_events_refuse() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'an assessment''s events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER assessment_events_no_change BEFORE UPDATE OR DELETE ON assessment_events
    FOR EACH ROW EXECUTE FUNCTION assessment_events_refuse();
CREATE TRIGGER assessment_events_no_truncate BEFORE TRUNCATE ON assessment_events
    FOR EACH STATEMENT EXECUTE FUNCTION assessment_events_refuse();
