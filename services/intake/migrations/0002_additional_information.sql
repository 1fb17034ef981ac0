-- Keyed digests (HMAC-SHA256) of each child's normalised name and date of birth, so a new
-- report finds an open case about the same child; neither is stored in clear.
CREATE TABLE child_keys (
    digest bytea NOT NULL,
    case_id uuid NOT NULL REFERENCES cases (case_id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (digest, case_id)
);

CREATE INDEX child_keys_case_id ON child_keys (case_id);

-- A report about a child whose case was open is additional information on that case;
-- `delivered_at` is when the case's workflow took it.
ALTER TABLE reports ADD COLUMN additional boolean NOT NULL DEFAULT false;
ALTER TABLE reports ADD COLUMN delivered_at timestamptz;
