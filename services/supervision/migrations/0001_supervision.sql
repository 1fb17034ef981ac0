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

-- Escalations of missed deadlines: one per (case, kind, cycle, tier), whatever retries.
CREATE TABLE escalations (
    escalation_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    workflow_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('TRIAGE', 'ASSESSMENT')),
    cycle integer NOT NULL CHECK (cycle > 0),
    tier integer NOT NULL CHECK (tier > 0),
    role text NOT NULL,
    site text NOT NULL,
    region text NOT NULL,
    due_at timestamptz NOT NULL,
    raised_at timestamptz NOT NULL DEFAULT now(),
    acknowledged_by text,
    acknowledged_at timestamptz,
    resolved_at timestamptz,
    UNIQUE (case_id, kind, cycle, tier)
);

CREATE INDEX escalations_queue ON escalations (raised_at, escalation_id);
CREATE INDEX escalations_open_by_case ON escalations (case_id, kind) WHERE resolved_at IS NULL;
