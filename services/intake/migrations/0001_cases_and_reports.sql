-- A case, as intake knows it: metadata only; the report itself is in `reports`.
CREATE TABLE cases (
    case_id uuid PRIMARY KEY,
    workflow_id text NOT NULL UNIQUE,
    site text NOT NULL,
    region text NOT NULL,
    stage text NOT NULL DEFAULT 'INTAKE',
    concerns text[] NOT NULL,
    immediate_danger boolean NOT NULL,
    child_count integer NOT NULL CHECK (child_count > 0),
    received_at timestamptz NOT NULL DEFAULT now(),
    stage_recorded_at timestamptz
);

-- Each accepted report, exactly once per idempotency key. `report` is the serialized
-- kahu.v1.Report; `request_digest` tells a true retry from a reused key.
CREATE TABLE reports (
    report_id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (case_id) DEFERRABLE INITIALLY DEFERRED,
    idempotency_key text NOT NULL UNIQUE,
    request_digest bytea NOT NULL,
    report bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX reports_case_id ON reports (case_id);
