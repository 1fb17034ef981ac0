-- The holds still held, by expiry: where the sweeper looks for abandoned ones
-- (services/placement/sweeper.py).
CREATE INDEX holds_held_expiry ON holds (expires_at) WHERE status = 'HELD';
