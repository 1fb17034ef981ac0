-- ListPlans: what a listing filters on and shows of each version, beside its serialized
-- content (staff ids, agencies' codes, dates and a count; no text of the plan). Versions
-- stored before this migration have them filled by the plan service at start-up
-- (PlanStore.fill_listing).
ALTER TABLE plan_versions
    ADD COLUMN lead_professional text,
    ADD COLUMN owner_agencies text[],
    ADD COLUMN review_due timestamptz,
    ADD COLUMN open_actions integer;

CREATE INDEX plan_versions_unlisted ON plan_versions (plan_id) WHERE lead_professional IS NULL;
-- keyset pages, oldest first, overall and per site
CREATE INDEX plans_listed ON plans (created_at, plan_id);
CREATE INDEX plans_site_listed ON plans (site, created_at, plan_id);
CREATE INDEX plans_region_listed ON plans (region, created_at, plan_id);
