-- Care and protection family group conferences (a care and protection trigger): a court's
-- direction carries the court's dates; a case may start more than one conference (one
-- reconvened after another agreed no plan); the whānau's consultation; where a conference
-- that agreed no plan went, and the agreed plan as the child's plan is made from it.

-- The court's dates: the conference held by, its outcome reported to the court by.
ALTER TABLE conferences ADD COLUMN court_convene_by timestamptz, ADD COLUMN court_report_by timestamptz;

-- A case's conferences: its youth justice conference, or its care and protection ones.
ALTER TABLE conferences DROP CONSTRAINT conferences_case_id_key;
CREATE INDEX conferences_case ON conferences (case_id, created_at) WHERE case_id IS NOT NULL;

-- The co-ordinator's consultation of the whānau (Oranga Tamariki Act 1989, s 21), kept with
-- the staff action that recorded it (gone with it if the workflow refused it): the dates that
-- suit them, the venue they chose, the participants they asked for, what they said; or why
-- consulting them was not practicable.
CREATE TABLE consultations (
    idempotency_key text PRIMARY KEY REFERENCES actions (idempotency_key) ON DELETE CASCADE,
    conference_id uuid NOT NULL REFERENCES conferences (conference_id),
    not_before timestamptz,
    not_after timestamptz,
    venue_id uuid REFERENCES venues (venue_id),
    attendee_ids uuid[] NOT NULL DEFAULT '{}',
    notes text NOT NULL DEFAULT '',
    not_practicable_reason text NOT NULL DEFAULT '',
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX consultations_conference ON consultations (conference_id);

-- Where a care and protection conference that agreed no plan went, and the structured plan
-- (a serialized kahu.v1.PlanContent) an agreed outcome carried.
ALTER TABLE plans
    ADD COLUMN route text CHECK (route IN ('BACK_TO_SOCIAL_WORKER', 'REFER_TO_COURT')),
    ADD COLUMN content bytea;
