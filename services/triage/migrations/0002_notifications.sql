-- The notifications outbox (services/common/notifications/outbox.py): one row per
-- notification per channel, written in the same transaction as what it tells of, and
-- delivered at least once, with retries and backoff, by the service's delivery loop; the
-- receiver deduplicates on `notification_key` (the webhook's Idempotency-Key, the email's
-- Kahu-Idempotency-Key). `payload` is what is sent: references, kinds, tiers and times,
-- never personal data. PENDING until delivered (DELIVERED) or tried `attempts` times
-- (FAILED: then a "needs attention" item is raised and `told_at` set).
CREATE TABLE notifications (
    notification_key text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('police.immediate_danger', 'escalation', 'attention')),
    channel text NOT NULL,
    case_id uuid,
    conference_id uuid,
    workflow_id text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    failed_at timestamptz,
    told_at timestamptz,
    CONSTRAINT notifications_subject_check CHECK (case_id IS NOT NULL OR conference_id IS NOT NULL)
);

-- What the delivery loop claims: pending rows that are due, soonest first.
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'PENDING';
-- Failed rows whose "needs attention" item is not raised yet.
CREATE INDEX notifications_untold ON notifications (failed_at) WHERE status = 'FAILED' AND told_at IS NULL;
-- A case's (or conference's) record of its deliveries.
CREATE INDEX notifications_by_case ON notifications (case_id, created_at) WHERE case_id IS NOT NULL;
CREATE INDEX notifications_by_conference ON notifications (conference_id, created_at) WHERE conference_id IS NOT NULL;

-- A case's Police notification is recorded in `police_notifications` and delivered through
-- the outbox above (kind police.immediate_danger): where it stands is there, not here.
ALTER TABLE police_notifications DROP COLUMN status;
ALTER TABLE police_notifications DROP COLUMN sent_at;
