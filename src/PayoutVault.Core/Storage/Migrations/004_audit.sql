-- The audit trail: append-only and hash-chained. seq has no gaps (each append takes the chain lock and uses the
-- previous seq + 1), record_hash = SHA-256(prev_hash || canonical record), so editing, deleting or reordering a row
-- breaks the chain at that row. Checkpoints sign the chain head with Ed25519 so a rewritten chain is detectable too.
CREATE TABLE audit_log (
    seq          bigint PRIMARY KEY CHECK (seq > 0),
    occurred_at  timestamptz NOT NULL,
    caller       text NOT NULL,
    action       text NOT NULL,
    object_id    text,
    outcome      text NOT NULL,
    request_id   text,
    detail       text,
    prev_hash    bytea NOT NULL,
    record_hash  bytea NOT NULL
);

-- Each vault process signs checkpoints with an Ed25519 key it generates at start and never stores: only the public
-- half is recorded here (and logged at start, for verifiers to pin out of band).
CREATE TABLE audit_signing_keys (
    key_id       text PRIMARY KEY,
    public_key   bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_checkpoints (
    seq          bigint PRIMARY KEY REFERENCES audit_log (seq),
    record_hash  bytea NOT NULL,
    signed_at    timestamptz NOT NULL,
    key_id       text NOT NULL REFERENCES audit_signing_keys (key_id),
    signature    bytea NOT NULL
);

-- Defence in depth beside the grants below: no role, owner included, can change or remove audit rows without first
-- dropping this trigger (which is itself a DDL change visible to the database's own logging).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_signing_keys_append_only BEFORE UPDATE OR DELETE ON audit_signing_keys
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_signing_keys_no_truncate BEFORE TRUNCATE ON audit_signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The application role: data changes on the vault's tables, but only SELECT and INSERT on the audit trail.
-- Login roles for vault processes are created by the operator as members of payoutvault_app.
DO $$
BEGIN
    CREATE ROLE payoutvault_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO payoutvault_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON cards, payouts, payout_events, webhook_deliveries, key_versions, master_keys
    TO payoutvault_app;
GRANT SELECT ON schema_migrations TO payoutvault_app;
GRANT SELECT, INSERT ON audit_log, audit_checkpoints, audit_signing_keys TO payoutvault_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO payoutvault_app;
