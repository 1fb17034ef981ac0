-- btree_gist lets one GiST index (and the exclusion constraint below) combine "the same
-- calendar" (=) with "overlapping time" (&&). A trusted extension: the service's own role
-- may create it (in this schema, when no other schema has it yet).
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Staff actions, exactly once per idempotency key (services.common.actions); `case_id`
-- holds the conference's id.
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

-- Youth justice coordinators, at a site, each with the manager their escalations go to.
CREATE TABLE coordinators (
    staff_id text PRIMARY KEY,
    site text NOT NULL,
    manager_id text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX coordinators_site ON coordinators (site);

CREATE TABLE venues (
    venue_id uuid PRIMARY KEY,
    site text NOT NULL,
    name text NOT NULL,
    UNIQUE (site, name)
);

-- Whose time can be booked: `staff:<staff id>` (shared by every conference a staff member
-- is in), `venue:<venue id>`, `participant:<participant id>` (whānau, the young person, a
-- victim). Working hours are weekly ranges of minutes (ISO weekday - 1) * 1440 + minute
-- after local midnight; NULL: any time within the policy's conference hours.
CREATE TABLE calendars (
    calendar_id text PRIMARY KEY,
    working_hours int4range[]
);

-- When someone (or a venue) is busy. A decline's block goes with its action if the
-- workflow refuses the decline.
CREATE TABLE busy_blocks (
    block_id uuid PRIMARY KEY,
    calendar_id text NOT NULL REFERENCES calendars (calendar_id),
    during tstzrange NOT NULL CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
    idempotency_key text REFERENCES actions (idempotency_key) ON DELETE CASCADE
);

CREATE INDEX busy_blocks_calendar_during ON busy_blocks USING gist (calendar_id, during);

-- A conference: its trigger and site; the statutory window the workflow computed. Personal
-- data is in `participants` only.
CREATE TABLE conferences (
    conference_id uuid PRIMARY KEY,
    workflow_id text NOT NULL UNIQUE,
    -- the trigger's key (StartConference); NULL when a case's triage decision opened it
    idempotency_key text UNIQUE,
    request_digest bytea,
    case_id uuid UNIQUE,
    site text NOT NULL,
    region text NOT NULL,
    trigger_kind text NOT NULL,
    triggered_at timestamptz NOT NULL,
    detained boolean NOT NULL,
    offence_max_years integer NOT NULL CHECK (offence_max_years >= 0),
    reference text NOT NULL DEFAULT '',
    -- the agency whose system started it (its status is theirs to follow)
    started_by_agency text NOT NULL DEFAULT '',
    coordinator_id text NOT NULL REFERENCES coordinators (staff_id),
    convening_due timestamptz,
    -- how its slots are found: the policy it started under (a policy change applies to new
    -- conferences only), in seconds and local minutes
    minimum_notice integer NOT NULL CHECK (minimum_notice > 0),
    slot_length integer NOT NULL CHECK (slot_length > 0),
    slot_granularity integer NOT NULL CHECK (slot_granularity > 0),
    hours_weekdays integer[] NOT NULL,
    hours_start integer NOT NULL,
    hours_end integer NOT NULL,
    public_holidays boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- when its outcome was recorded (open conferences count towards a coordinator's load)
    closed_at timestamptz
);

CREATE INDEX conferences_coordinator ON conferences (coordinator_id);

CREATE TABLE participants (
    participant_id uuid PRIMARY KEY,
    conference_id uuid NOT NULL REFERENCES conferences (conference_id),
    role text NOT NULL,
    required boolean NOT NULL,
    name text NOT NULL,
    contact text NOT NULL DEFAULT '',
    staff_id text,
    calendar_id text NOT NULL REFERENCES calendars (calendar_id),
    -- the staff action that added them; NULL when they came with the trigger
    idempotency_key text REFERENCES actions (idempotency_key) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX participants_conference ON participants (conference_id, added_at);

-- One booking per conference and scheduling round.
CREATE TABLE bookings (
    booking_id uuid PRIMARY KEY,
    conference_id uuid NOT NULL REFERENCES conferences (conference_id),
    round integer NOT NULL CHECK (round > 0),
    during tstzrange NOT NULL,
    venue_id uuid NOT NULL REFERENCES venues (venue_id),
    booked_by text NOT NULL,
    late_reason text NOT NULL DEFAULT '',
    booked_at timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz,
    UNIQUE (conference_id, round)
);

-- The time a booking takes from each calendar (the coordinator's, the venue's, every
-- required participant's). Nobody and no venue is ever double-booked, whatever runs
-- concurrently: PostgreSQL refuses a second live booking of a calendar that overlaps one.
CREATE TABLE booked_slots (
    booking_id uuid NOT NULL REFERENCES bookings (booking_id),
    calendar_id text NOT NULL REFERENCES calendars (calendar_id),
    during tstzrange NOT NULL,
    released boolean NOT NULL DEFAULT false,
    PRIMARY KEY (booking_id, calendar_id),
    CONSTRAINT booked_slots_no_double_booking EXCLUDE USING gist (calendar_id WITH =, during WITH &&)
        WHERE (NOT released)
);

-- An invitation per participant per booking, with their answer (a victim's views are
-- personal data and stay here). Delivery is another system's; `status` is where it stands.
CREATE TABLE invitations (
    booking_id uuid NOT NULL REFERENCES bookings (booking_id),
    participant_id uuid NOT NULL REFERENCES participants (participant_id) ON DELETE CASCADE,
    invited_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT')),
    response text CHECK (response IN ('ACCEPTED', 'DECLINED', 'VIEWS_ONLY')),
    views text,
    responded_by text,
    responded_at timestamptz,
    PRIMARY KEY (booking_id, participant_id)
);

-- The outcome's text: the plan's actions, or why it was not agreed. The workflow holds
-- the id; the plan is part of the record once its action has an answer.
CREATE TABLE plans (
    plan_id uuid PRIMARY KEY,
    conference_id uuid NOT NULL REFERENCES conferences (conference_id),
    idempotency_key text NOT NULL UNIQUE REFERENCES actions (idempotency_key) ON DELETE CASCADE,
    agreed boolean NOT NULL,
    actions text[] NOT NULL,
    reason text NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX plans_conference ON plans (conference_id);

-- The outbound referral back to the court or Police when no plan was agreed: one per
-- conference, whatever retries.
CREATE TABLE referrals (
    referral_id uuid PRIMARY KEY,
    conference_id uuid NOT NULL UNIQUE REFERENCES conferences (conference_id),
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT')),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- Escalations to the coordinator's manager, each raised once.
CREATE TABLE escalations (
    escalation_id uuid PRIMARY KEY,
    conference_id uuid NOT NULL REFERENCES conferences (conference_id),
    workflow_id text NOT NULL,
    deadline text NOT NULL CHECK (deadline IN ('CONVENING', 'COMPLETION')),
    level text NOT NULL CHECK (level IN ('WARNING', 'NO_SLOT', 'BREACHED')),
    round integer NOT NULL,
    manager_id text NOT NULL,
    coordinator_id text NOT NULL,
    site text NOT NULL,
    region text NOT NULL,
    due_at timestamptz NOT NULL,
    raised_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    UNIQUE (conference_id, deadline, level, round)
);

CREATE INDEX escalations_queue ON escalations (raised_at, escalation_id) WHERE resolved_at IS NULL;
