-- Keyed digests (HMAC-SHA256) of the case's children's normalised names and dates of birth,
-- so a new report finds an open case about the same child; neither is stored in clear.
ALTER TABLE cases ADD COLUMN child_keys bytea[] NOT NULL DEFAULT '{}';
CREATE INDEX cases_open_by_child ON cases USING gin (child_keys) WHERE stage <> 'CLOSED';

-- A report about a child whose case was open is additional information on that case;
-- `delivered_at` is when the case's workflow took it.
ALTER TABLE reports ADD COLUMN additional boolean NOT NULL DEFAULT false;
ALTER TABLE reports ADD COLUMN delivered_at timestamptz;
