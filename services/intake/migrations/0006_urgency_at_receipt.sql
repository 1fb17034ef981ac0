-- The urgency a report gave its case at receipt (immediate danger: CRITICAL; a child safety
-- hub report: VERY_URGENT; workflows/case/rules.py), which the case shows as its timeframe
-- until a triage decision sets one.
ALTER TABLE cases ADD COLUMN urgency_at_receipt text;
