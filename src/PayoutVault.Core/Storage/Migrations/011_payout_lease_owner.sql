-- Which process holds a payout's send lease. Each process holds a session-level advisory lock on its own random
-- owner key for as long as it lives; PostgreSQL drops the lock when the process (or its connection) dies. A lease
-- whose owner's lock is gone is known dead and is released at once, instead of waiting out InFlightLease. The
-- column is cleared whenever the bank's answer (or any later change) is recorded, so only sends in flight keep it.
ALTER TABLE payouts ADD COLUMN lease_owner bigint;
CREATE INDEX payouts_lease_owner ON payouts (lease_owner) WHERE lease_owner IS NOT NULL;
