-- A case's placement search's part of its record (workflows/record.py, patch
-- standing-recorded): where it stands, as its workflow last said (a newer version replaces an
-- older one, never the reverse), with the case's place that a caller's scope is checked
-- against, and every event of its workflow, exactly once per event id ("<workflow id>:<n>"),
-- never changed or removed. GetPlacementSearch reads them without Temporal.
CREATE TABLE placement_searches (
    case_id uuid PRIMARY KEY,
    site text NOT NULL,
    region text NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    -- serialized kahu.v1.PlacementSearchStanding
    standing bytea,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE placement_search_events (
    event_id text PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES placement_searches (case_id),
    seq integer NOT NULL CHECK (seq >= 0),
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placement_search_events_by_case ON placement_search_events (case_id, seq);

CREATE FUNCTION placement_search_events_refuse() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'a placement search''s events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER placement_search_events_no_change BEFORE UPDATE OR DELETE ON placement_search_events
    FOR EACH ROW EXECUTE FUNCTION placement_search_events_refuse();
CREATE TRIGGER placement_search_events_no_truncate BEFORE TRUNCATE ON placement_search_events
    FOR EACH STATEMENT EXECUTE FUNCTION placement_search_events_refuse();
