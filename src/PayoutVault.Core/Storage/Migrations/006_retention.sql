-- Retention (PCI DSS 3.2.1): a live card whose last activity (its creation, or the last payout sent with it) is older
-- than the retention period is crypto-shredded by the purge job. This index serves both the job's batches and the
-- report, which must stay cheap enough to run every sweep.
CREATE INDEX cards_last_activity ON cards ((coalesce(last_used_at, created_at))) WHERE deleted_at IS NULL;

-- "Is this card still needed by a payout whose outcome is open?" is asked for every candidate.
CREATE INDEX payouts_open_by_card ON payouts (card_token) WHERE state IN ('created', 'submitted', 'unknown', 'in_progress');
