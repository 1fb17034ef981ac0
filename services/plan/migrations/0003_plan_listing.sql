-- What ListPlans filters and orders by, kept with each version (from its content): the
-- lead professional, the review, the open actions' count and earliest due date, and who
-- and which agencies own its open actions. Versions stored before this are filled in by
-- the service as it starts (`listed`), from their content.
ALTER TABLE plan_versions
    ADD COLUMN listed boolean NOT NULL DEFAULT false,
    ADD COLUMN lead_professional text NOT NULL DEFAULT '',
    ADD COLUMN review_due timestamptz,
    ADD COLUMN open_actions integer NOT NULL DEFAULT 0,
    ADD COLUMN next_action_due timestamptz,
    ADD COLUMN next_due timestamptz;

CREATE TABLE plan_version_owners (
    plan_id uuid NOT NULL,
    version integer NOT NULL,
    owner_id text NOT NULL,
    owner_agency text NOT NULL,
    PRIMARY KEY (plan_id, version, owner_id, owner_agency),
    FOREIGN KEY (plan_id, version) REFERENCES plan_versions (plan_id, version) ON DELETE CASCADE
);

CREATE INDEX plan_version_owners_owner ON plan_version_owners (owner_id);
CREATE INDEX plan_version_owners_agency ON plan_version_owners (owner_agency);
CREATE INDEX plan_versions_lead ON plan_versions (lead_professional);
CREATE INDEX plan_versions_unlisted ON plan_versions (plan_id) WHERE NOT listed;
