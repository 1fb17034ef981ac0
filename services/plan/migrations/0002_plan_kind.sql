-- A plan's kind: a case's plan, or a Children's Team's (kahu.v1.PlanKind without its
-- prefix). A Children's Team plan's team, views and the family's consent to sharing are in
-- its versions' content.
ALTER TABLE plans
    ADD COLUMN kind text NOT NULL DEFAULT 'CASE' CHECK (kind IN ('CASE', 'CHILDRENS_TEAM'));
