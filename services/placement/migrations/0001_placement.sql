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

-- The family network. People are personal data: they stay in this schema; workflows,
-- logs and traces carry their ids only.
CREATE TABLE people (
    person_id uuid PRIMARY KEY,
    name text NOT NULL,
    date_of_birth date,
    region text NOT NULL DEFAULT '',
    address_area text NOT NULL DEFAULT '',
    school text NOT NULL DEFAULT '',
    languages text[] NOT NULL DEFAULT '{}',
    -- what a child placed needs
    needs_wheelchair_access boolean NOT NULL DEFAULT false,
    support_needs text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- "from is <kind> of to", with the kind's degree of closeness. One relationship per pair
-- of people, whichever way round (so two can never contradict each other); the symmetric
-- kinds are kept once, from the lower id to the higher.
CREATE TABLE relationships (
    from_id uuid NOT NULL REFERENCES people (person_id) ON DELETE CASCADE,
    to_id uuid NOT NULL REFERENCES people (person_id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN (
        'PARENT', 'WHANGAI_PARENT', 'STEP_PARENT', 'GRANDPARENT', 'GREAT_GRANDPARENT',
        'AUNT_UNCLE', 'SIBLING', 'COUSIN', 'PARTNER'
    )),
    degree smallint NOT NULL CHECK (degree BETWEEN 1 AND 4),
    PRIMARY KEY (from_id, to_id) INCLUDE (degree),
    CONSTRAINT relationships_not_self CHECK (from_id <> to_id),
    CONSTRAINT relationships_symmetric_once CHECK (kind NOT IN ('SIBLING', 'COUSIN', 'PARTNER') OR from_id < to_id)
);

CREATE UNIQUE INDEX relationships_one_per_pair ON relationships (LEAST(from_id, to_id), GREATEST(from_id, to_id));
CREATE INDEX relationships_to ON relationships (to_id) INCLUDE (from_id, degree);

-- Hapū and iwi affiliations (codes from reference/iwi.yaml; '' when the hapū is unknown).
CREATE TABLE affiliations (
    person_id uuid NOT NULL REFERENCES people (person_id) ON DELETE CASCADE,
    iwi text NOT NULL,
    hapu text NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, iwi, hapu)
);

-- Family groups, and the people each family's whānau put forward who are not kin.
CREATE TABLE families (
    family_id uuid PRIMARY KEY,
    name text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE family_members (
    family_id uuid NOT NULL REFERENCES families (family_id) ON DELETE CASCADE,
    person_id uuid NOT NULL REFERENCES people (person_id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('MEMBER', 'NETWORK')),
    PRIMARY KEY (family_id, person_id)
);

CREATE INDEX family_members_person ON family_members (person_id) INCLUDE (family_id, role);

-- The children of a case whom its placement search is for.
CREATE TABLE case_children (
    case_id uuid NOT NULL,
    person_id uuid NOT NULL REFERENCES people (person_id),
    position smallint NOT NULL,
    PRIMARY KEY (case_id, person_id)
);

-- Caregivers. `placed` and `held` are the places in use; the check below means no
-- transaction, however many run at once, can promise a caregiver more children than it
-- has places (each change of them locks the row). `iwi` and `hapu` copy the caregiver's
-- person's affiliations, so a search finds them through one index.
CREATE TABLE caregivers (
    caregiver_id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('HOUSEHOLD', 'RESIDENCE')),
    person_id uuid UNIQUE REFERENCES people (person_id),
    name text NOT NULL,
    region text NOT NULL,
    address_area text NOT NULL,
    capacity integer NOT NULL CHECK (capacity BETWEEN 0 AND 20),
    placed integer NOT NULL DEFAULT 0 CHECK (placed >= 0),
    held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
    wheelchair_accessible boolean NOT NULL DEFAULT false,
    languages text[] NOT NULL DEFAULT '{}',
    takes_sibling_groups boolean NOT NULL DEFAULT false,
    supports text[] NOT NULL DEFAULT '{}',
    approval_status text NOT NULL DEFAULT 'PENDING'
        CHECK (approval_status IN ('PENDING', 'APPROVED', 'DECLINED', 'SUSPENDED')),
    approved_on date,
    approval_expires_on date,
    iwi text[] NOT NULL DEFAULT '{}',
    hapu text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT caregivers_never_over_allocated CHECK (placed + held <= capacity),
    CONSTRAINT caregivers_household_is_a_person CHECK ((kind = 'HOUSEHOLD') = (person_id IS NOT NULL)),
    CONSTRAINT caregivers_approval_dated CHECK (
        approval_status <> 'APPROVED' OR (approved_on IS NOT NULL AND approval_expires_on > approved_on)
    )
);

CREATE INDEX caregivers_kind_region ON caregivers (kind, region, address_area);
CREATE INDEX caregivers_iwi ON caregivers USING gin (iwi);
CREATE INDEX caregivers_hapu ON caregivers USING gin (hapu);

-- Places held for a case's children: HELD until confirmed (a placement) or released.
CREATE TABLE holds (
    hold_id uuid PRIMARY KEY,
    caregiver_id uuid NOT NULL REFERENCES caregivers (caregiver_id),
    case_id uuid NOT NULL,
    places integer NOT NULL CHECK (places BETWEEN 1 AND 8),
    status text NOT NULL CHECK (status IN ('HELD', 'CONFIRMED', 'RELEASED')),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    released_at timestamptz,
    release_reason text CHECK (release_reason IN ('EXPIRED', 'DECLINED', 'WITHDRAWN')),
    CONSTRAINT holds_released_with_reason CHECK ((status = 'RELEASED') = (release_reason IS NOT NULL))
);

CREATE INDEX holds_caregiver ON holds (caregiver_id, status);
CREATE INDEX holds_case ON holds (case_id);

-- Each search run for a case, as answered (a serialized kahu.v1.SearchPlacementsResponse):
-- a repeat of the search id gets the same answer, and the case's view shows its reasons.
CREATE TABLE searches (
    search_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    response bytea NOT NULL,
    searched_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX searches_case ON searches (case_id, searched_at);
