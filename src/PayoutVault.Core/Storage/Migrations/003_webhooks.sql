-- Every signed webhook delivery the vault answered 200, stored before the answer. body_sha256 dedupes the bank's
-- retries of one delivery; the raw body is not kept (only the parsed facts and the echoed metadata, card-number
-- runs redacted), so nothing here depends on the bank never sending card data.
CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    body_sha256      bytea NOT NULL UNIQUE,
    type             text NOT NULL,
    bank_session_id  text,
    bank_payout_id   text,
    bank_status      text,
    payout_id        text REFERENCES payouts (payout_id),
    outcome          text NOT NULL CHECK (outcome IN ('applied', 'ignored', 'unknown_payout', 'unsupported_type')),
    metadata         jsonb,
    received_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_payout ON webhook_deliveries (payout_id);
