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

-- One plan per case (its child): the row is CreatePlan's idempotency record, and the
-- outbox's (services/common/outbox.py) until its workflow is known started.
CREATE TABLE plans (
    plan_id uuid PRIMARY KEY,
    case_id uuid NOT NULL UNIQUE,
    site text NOT NULL,
    region text NOT NULL,
    workflow_id text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    request_digest bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    workflow_started_at timestamptz
);

CREATE INDEX plans_unstarted ON plans (created_at) WHERE workflow_started_at IS NULL;

-- Every version of a plan, with who made it and why: version 1 with the plan, each later
-- one with the staff action that made it (gone with it when its workflow refused it). Its
-- content (goals, actions, owners, dates: personal data) is kept here only, never in Temporal.
CREATE TABLE plan_versions (
    plan_id uuid NOT NULL REFERENCES plans (plan_id),
    version integer NOT NULL CHECK (version >= 1),
    changed_by text NOT NULL,
    reason text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    -- serialized kahu.v1.PlanContent
    content bytea NOT NULL,
    idempotency_key text UNIQUE REFERENCES actions (idempotency_key) ON DELETE CASCADE,
    PRIMARY KEY (plan_id, version),
    CHECK ((version = 1) = (idempotency_key IS NULL))
);
