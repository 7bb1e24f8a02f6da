-- The bank's session id is the bank's to give: when it answers two payouts with the same id, both answers are
-- recorded (a unique index made the second answer fail after the bank had accepted it, leaving that payout
-- UNKNOWN). Webhooks are matched by the vault payout id the bank echoes in metadata first; a session id held by
-- more than one payout is a recorded conflict, never a guess.
DROP INDEX payouts_bank_session;
CREATE INDEX payouts_bank_session ON payouts (bank_session_id) WHERE bank_session_id IS NOT NULL;
