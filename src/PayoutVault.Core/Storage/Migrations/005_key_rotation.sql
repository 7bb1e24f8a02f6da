-- Online key rotation. A rotation flips the active key version of one purpose in one transaction and records itself
-- here; the re-encryption job (on every replica) then moves each live card to the new version. Progress is derived
-- from the cards themselves (live rows whose version is not the new one), so the job resumes after any restart.
CREATE TABLE key_rotations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose        text NOT NULL CHECK (purpose IN ('data', 'fingerprint')),
    from_version   integer NOT NULL,
    new_version    integer NOT NULL,
    rows_total     bigint NOT NULL CHECK (rows_total >= 0),
    started_by     text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    FOREIGN KEY (purpose, new_version) REFERENCES key_versions (purpose, version)
);
-- At most one running rotation per purpose: a second start is refused until the job has finished the first.
CREATE UNIQUE INDEX key_rotations_one_running ON key_rotations (purpose) WHERE completed_at IS NULL;

-- Retired versions never encrypt (PCI DSS 3.7.4), even from a replica whose in-memory key ring is stale: a new card
-- row must carry the active data and fingerprint versions. The active rows are locked FOR SHARE, so a rotation (which
-- updates them) waits for in-flight inserts to commit, and an insert that waited behind a rotation finds no active
-- row under its old version and is refused with PVK01; the writer then reloads its keys, re-seals and retries.
-- Only INSERT is checked: the re-encryption job pins the active versions in its own transaction the same way.
CREATE FUNCTION cards_require_active_key_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    active_data integer;
    active_fp integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_cards) THEN
        RETURN NULL;
    END IF;
    SELECT version INTO active_data FROM key_versions WHERE purpose = 'data' AND state = 'active' FOR SHARE;
    SELECT version INTO active_fp FROM key_versions WHERE purpose = 'fingerprint' AND state = 'active' FOR SHARE;
    IF EXISTS (SELECT 1 FROM new_cards
               WHERE (data_key_version IS NOT NULL AND data_key_version IS DISTINCT FROM active_data)
                  OR (fingerprint_version IS NOT NULL AND fingerprint_version IS DISTINCT FROM active_fp)) THEN
        RAISE EXCEPTION 'a card was sealed under a key version that is not active' USING ERRCODE = 'PVK01';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cards_active_key_versions AFTER INSERT ON cards
    REFERENCING NEW TABLE AS new_cards
    FOR EACH STATEMENT EXECUTE FUNCTION cards_require_active_key_versions();

GRANT SELECT, INSERT, UPDATE ON key_rotations TO payoutvault_app;
