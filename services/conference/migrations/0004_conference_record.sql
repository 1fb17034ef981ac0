-- A conference's own record (workflows/record.py, patch standing-recorded), with a case or
-- without one: where it stands, as its workflow last said (a newer version replaces an older
-- one, never the reverse), and every event of its workflow, exactly once per event id
-- ("<workflow id>:<n>"), never changed or removed. GetConference reads them without
-- Temporal. Kept apart from `conferences`: a case's conference records its first events
-- before its workflow has opened it there.
CREATE TABLE conference_records (
    conference_id uuid PRIMARY KEY,
    -- set for a case's conference (its triage decision started it)
    case_id uuid,
    site text NOT NULL,
    region text NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    -- serialized kahu.v1.ConferenceStanding
    standing bytea,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE conference_events (
    event_id text PRIMARY KEY,
    conference_id uuid NOT NULL REFERENCES conference_records (conference_id),
    seq integer NOT NULL CHECK (seq >= 0),
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conference_events_by_conference ON conference_events (conference_id, seq);

CREATE FUNCTION conference_events_refuse() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'a conference''s events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER conference_events_no_change BEFORE UPDATE OR DELETE ON conference_events
    FOR EACH ROW EXECUTE FUNCTION conference_events_refuse();
CREATE TRIGGER conference_events_no_truncate BEFORE TRUNCATE ON conference_events
    FOR EACH STATEMENT EXECUTE FUNCTION conference_events_refuse();
