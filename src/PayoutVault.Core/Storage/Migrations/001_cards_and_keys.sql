-- Master keys are never stored: only their id and check value, so a wrong key fails start-up instead of
-- silently writing rows nobody can read.
CREATE TABLE master_keys (
    key_id       text PRIMARY KEY,
    check_value  text NOT NULL,
    state        text NOT NULL CHECK (state IN ('active', 'retired')),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX master_keys_one_active ON master_keys (state) WHERE state = 'active';

-- Data keys (purpose 'data') encrypt card numbers; fingerprint keys (purpose 'fingerprint') key the dedupe HMAC.
-- Both are stored only wrapped (AES-256-GCM) by the master key.
CREATE TABLE key_versions (
    purpose        text NOT NULL CHECK (purpose IN ('data', 'fingerprint')),
    version        integer NOT NULL CHECK (version > 0),
    wrapped_key    bytea NOT NULL,
    master_key_id  text NOT NULL REFERENCES master_keys (key_id),
    state          text NOT NULL CHECK (state IN ('active', 'retired')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    retired_at     timestamptz,
    PRIMARY KEY (purpose, version)
);
CREATE UNIQUE INDEX key_versions_one_active ON key_versions (purpose) WHERE state = 'active';

-- One row per token. The card number exists only as pan_ciphertext (nonce || ciphertext || tag), bound by
-- associated data to token and data-key version. Deleting a token crypto-shreds it: ciphertext and fingerprint
-- are erased and the row stays as a tombstone so the token is never reissued.
CREATE TABLE cards (
    token                text PRIMARY KEY CHECK (token ~ '^tok_[a-z2-7]{26}$'),
    fingerprint          bytea,
    fingerprint_version  integer,
    pan_ciphertext       bytea,
    data_key_version     integer,
    bin                  text NOT NULL CHECK (bin ~ '^[0-9]{6}$'),
    last4                text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    brand                text NOT NULL,
    exp_month            smallint CHECK (exp_month BETWEEN 1 AND 12),
    exp_year             smallint CHECK (exp_year BETWEEN 2000 AND 2099),
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_used_at         timestamptz,
    deleted_at           timestamptz,
    CHECK ((deleted_at IS NULL) = (pan_ciphertext IS NOT NULL)),
    CHECK ((deleted_at IS NULL) = (fingerprint IS NOT NULL))
);
-- The dedupe guarantee: one live token per card number, enforced by the database, not by check-then-insert.
CREATE UNIQUE INDEX cards_fingerprint ON cards (fingerprint) WHERE fingerprint IS NOT NULL;
CREATE INDEX cards_data_key_version ON cards (data_key_version) WHERE deleted_at IS NULL;
CREATE INDEX cards_fingerprint_version ON cards (fingerprint_version) WHERE deleted_at IS NULL;
