-- Hosted card capture (issue 11): one row per single-use capture session. The page URL's secret is never stored,
-- only its SHA-256; the card number never is either (the session points at the token its submission produced).
-- Numbered 020, leaving room below for migrations written at the same time on other branches.
CREATE TABLE capture_sessions (
    session_id       text PRIMARY KEY CHECK (session_id ~ '^cap_[a-z2-7]{26}$'),
    caller           text NOT NULL,
    secret_sha256    bytea NOT NULL CHECK (length(secret_sha256) = 32),
    allowed_origins  text[] NOT NULL CHECK (cardinality(allowed_origins) BETWEEN 1 AND 5),
    reference        text NOT NULL DEFAULT '' CHECK (length(reference) <= 128),
    state            text NOT NULL CHECK (state IN ('open', 'completed', 'expired', 'locked')),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL CHECK (expires_at > created_at),
    refused_attempts integer NOT NULL DEFAULT 0 CHECK (refused_attempts >= 0),
    completed_at     timestamptz,
    card_token       text REFERENCES cards (token),
    exp_month        smallint CHECK (exp_month BETWEEN 1 AND 12),
    exp_year         smallint CHECK (exp_year BETWEEN 2000 AND 2099),
    cardholder_name  text CHECK (length(cardholder_name) <= 128),
    CHECK ((state = 'completed') = (card_token IS NOT NULL)),
    CHECK ((state = 'completed') = (completed_at IS NOT NULL))
);
-- Open sessions past their expiry are marked expired (and audited) in batches.
CREATE INDEX capture_sessions_open_expiry ON capture_sessions (expires_at) WHERE state = 'open';

GRANT SELECT, INSERT, UPDATE ON capture_sessions TO payoutvault_app;
