-- The trace context of the call that created a payout (a W3C traceparent: random trace and span ids and a sampled
-- flag, nothing else), so the bank's webhook and the stream deliveries, which happen later in other requests, are
-- recorded in the payout's trace. The check keeps the column to exactly that shape.
ALTER TABLE payouts ADD COLUMN trace_parent text
    CHECK (trace_parent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
