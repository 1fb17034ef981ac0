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

-- The rules' proposal for each case, made once: a serialized kahu.v1.TriageProposal.
CREATE TABLE proposals (
    case_id uuid PRIMARY KEY,
    proposal bytea NOT NULL,
    policy_version integer NOT NULL,
    proposed_at timestamptz NOT NULL DEFAULT now()
);

-- The outbound Police (111) notification: one per case, whatever retries. Delivery is
-- another system's; `status` is where it stands.
CREATE TABLE police_notifications (
    notification_id uuid PRIMARY KEY,
    case_id uuid NOT NULL UNIQUE,
    reason text NOT NULL,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT')),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
