-- One row per payout, written before anything is sent to the bank. The unique (caller, idempotency_key) pair is
-- the at-most-once guarantee: concurrent duplicates collide here, never at the bank. The bank's own idempotency key
-- is payout_id, so a resend after a crash can never create a second bank payout.
CREATE TABLE payouts (
    payout_id          text PRIMARY KEY CHECK (payout_id ~ '^pay_[a-z2-7]{26}$'),
    caller             text NOT NULL,
    idempotency_key    text NOT NULL,
    request_hash       bytea NOT NULL,
    card_token         text NOT NULL REFERENCES cards (token),
    bin                text NOT NULL,
    last4              text NOT NULL,
    brand              text NOT NULL,
    amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
    currency           text NOT NULL,
    recipient          jsonb NOT NULL,
    metadata           jsonb NOT NULL,
    state              text NOT NULL CHECK (state IN ('created', 'submitted', 'in_progress', 'succeeded', 'failed', 'unknown')),
    bank_session_id    text,
    bank_payout_id     text,
    error_code         text,
    error_description  text,
    send_attempts      integer NOT NULL DEFAULT 0,
    check_attempts     integer NOT NULL DEFAULT 0,
    next_check_at      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (caller, idempotency_key)
);
CREATE UNIQUE INDEX payouts_bank_session ON payouts (bank_session_id) WHERE bank_session_id IS NOT NULL;
-- The reconciler's work queue: payouts whose outcome is not settled yet (next_check_at is NULL once final).
CREATE INDEX payouts_pending ON payouts (next_check_at) WHERE state IN ('created', 'submitted', 'unknown', 'in_progress');

-- Append-only log of everything that happened to a payout; the streams read it by seq (the cursor).
CREATE TABLE payout_events (
    seq              bigserial PRIMARY KEY,
    payout_id        text NOT NULL REFERENCES payouts (payout_id),
    kind             text NOT NULL,
    state            text NOT NULL,
    state_changed    boolean NOT NULL,
    bank_session_id  text,
    error_code       text,
    amount_minor     bigint NOT NULL,
    currency         text NOT NULL,
    metadata         jsonb NOT NULL,
    occurred_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payout_events_payout ON payout_events (payout_id, seq);
