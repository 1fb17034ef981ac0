-- Staff actions, exactly once per idempotency key (services.common.actions).
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

-- Findings: personal data, so the text stays here; the workflow only holds the id. A
-- finding is part of the record once its action has an answer (the workflow took it).
CREATE TABLE findings (
    findings_id uuid PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE REFERENCES actions (idempotency_key) ON DELETE CASCADE,
    case_id uuid NOT NULL,
    recorded_by text NOT NULL,
    summary text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX findings_case_id ON findings (case_id, recorded_at);
