-- Matching that knows how people are named (services/intake/matching.py): several keyed
-- digests (HMAC-SHA256 with KAHU_MATCH_KEY) per child each report on a case named, so a
-- report finds the open cases about its children however their names and ages were
-- written. Neither names nor dates are stored for matching, only these digests.
CREATE TABLE match_keys (
    digest bytea NOT NULL,
    case_id uuid NOT NULL REFERENCES cases (case_id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (digest, case_id)
);
CREATE INDEX match_keys_by_case ON match_keys (case_id);

-- The scheme a case's keys follow: 1, the legacy digest alone (`child_keys`: the cases
-- stored before this migration, which still match by it); 2, `match_keys` too (every case
-- inserted from now on, by the default). Intake computes the keys of the open cases of
-- scheme 1 from their stored reports when it starts (services/intake/duplicates.py, Rekey).
-- A case a replica of the code before inserts during a rolling deploy has no keys: it still
-- matches by its legacy digest, as before.
ALTER TABLE cases ADD COLUMN match_scheme smallint NOT NULL DEFAULT 1;
ALTER TABLE cases ALTER COLUMN match_scheme SET DEFAULT 2;
CREATE INDEX cases_to_rekey ON cases (received_at, case_id) WHERE match_scheme < 2 AND stage <> 'CLOSED';

-- A report matched an open case only possibly: it opened a case of its own (`case_id`),
-- flagged as a possible duplicate of `other_case_id` until an intake worker links the two
-- (the same child) or separates them, with a reason. `site` and `region` are the flagged
-- case's, where the triage inbox lists it.
CREATE TABLE possible_duplicates (
    duplicate_id uuid PRIMARY KEY,
    report_id uuid NOT NULL REFERENCES reports (report_id) DEFERRABLE INITIALLY DEFERRED,
    case_id uuid NOT NULL REFERENCES cases (case_id) DEFERRABLE INITIALLY DEFERRED,
    other_case_id uuid NOT NULL REFERENCES cases (case_id),
    site text NOT NULL,
    region text NOT NULL,
    flagged_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'LINKED', 'SEPARATED')),
    decided_by text,
    reason text,
    decided_at timestamptz,
    UNIQUE (case_id, other_case_id),
    CHECK (case_id <> other_case_id),
    CHECK ((status = 'OPEN') = (decided_by IS NULL AND reason IS NULL AND decided_at IS NULL))
);
CREATE INDEX possible_duplicates_other ON possible_duplicates (other_case_id);
-- the inbox: oldest first, by status, within sites or regions
CREATE INDEX possible_duplicates_inbox ON possible_duplicates (status, flagged_at, duplicate_id);
CREATE INDEX possible_duplicates_site ON possible_duplicates (status, site, flagged_at, duplicate_id);
CREATE INDEX possible_duplicates_region ON possible_duplicates (status, region, flagged_at, duplicate_id);

-- Staff actions, exactly once per idempotency key (services/common/actions.py): intake's
-- first, the decisions on possible duplicates.
CREATE TABLE actions (
    idempotency_key text PRIMARY KEY,
    action text NOT NULL,
    case_id uuid NOT NULL,
    actor text NOT NULL,
    request_digest bytea NOT NULL,
    request bytea NOT NULL,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX actions_case_id ON actions (case_id);
