-- Steps that need a person (workflows/attention.py): a step its service refused, or one
-- still failing after the policy's time. One row per item key, whatever retries; about a
-- case, or a conference (with the case that started it, if any); open until a supervisor
-- decides (RETRY or SKIP for an item its workflow waits on, SKIP to close any other).
CREATE TABLE supervision.attention (
    item_id uuid PRIMARY KEY,
    item_key text NOT NULL UNIQUE,
    case_id uuid,
    conference_id uuid,
    workflow_id text NOT NULL,
    step text NOT NULL,
    reason text NOT NULL CHECK (reason IN ('REFUSED', 'STILL_FAILING')),
    error text NOT NULL DEFAULT '',
    trace_id text NOT NULL DEFAULT '',
    site text NOT NULL,
    region text NOT NULL,
    waiting boolean NOT NULL,
    failing_since timestamptz NOT NULL,
    raised_at timestamptz NOT NULL DEFAULT now(),
    resolved_by text,
    decision text CHECK (decision IN ('RETRY', 'SKIP')),
    resolved_at timestamptz,
    CONSTRAINT attention_subject_check CHECK (case_id IS NOT NULL OR conference_id IS NOT NULL),
    CONSTRAINT attention_resolution_check
        CHECK ((resolved_at IS NULL) = (decision IS NULL) AND (resolved_at IS NULL) = (resolved_by IS NULL))
);

-- The supervisors' queue: open items, oldest first.
CREATE INDEX attention_open ON supervision.attention (raised_at, item_id) WHERE resolved_at IS NULL;
