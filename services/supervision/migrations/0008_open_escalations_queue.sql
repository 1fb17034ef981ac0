-- The supervisors' queue (ListQueue, services/supervision/store.py `queue`) lists open
-- escalations oldest first. On `escalations_queue` (raised_at, escalation_id) every first
-- page walked past every resolved escalation raised before the oldest open one (a year's
-- worth: 40,000 rows read to return 50; bench/reads.py); this index holds the open ones only,
-- so a page reads about its own rows (the site and region filters a few times that).
-- `escalations_queue` stays for listings that include resolved escalations.
CREATE INDEX escalations_open_queue ON supervision.escalations (raised_at, escalation_id) WHERE resolved_at IS NULL;
