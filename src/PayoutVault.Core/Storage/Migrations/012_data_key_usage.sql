-- AES-GCM with random 96-bit nonces is safe for at most 2^32 encryptions per key (NIST SP 800-38D, 8.3): past that,
-- the chance of two messages sharing a nonce, which breaks confidentiality and integrity for that key, exceeds
-- 2^-32. Each replica reserves encryptions of a data-key version in blocks before using them; this column is the
-- running total of every block ever reserved for the version (reserved blocks a replica never used are counted too:
-- the count errs on the safe side).
ALTER TABLE key_versions ADD COLUMN encryptions_reserved bigint NOT NULL DEFAULT 0
    CHECK (encryptions_reserved >= 0);
