-- Logins, write safety (idempotency) and the audit trail. Everything that several orgcms
-- processes must agree on lives here, not in memory.

-- One row per refresh token. A login starts a family; every refresh rotates within it. Only a
-- SHA-256 of the token is stored.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Failed logins, per account (`email:<address>`) and per client address (`ip:<address>`).
CREATE TABLE login_failures (
  id bigserial PRIMARY KEY,
  key text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);

-- The first answer to a POST with an Idempotency-Key, replayed for retries with the same body.
CREATE TABLE idempotency_keys (
  user_id uuid NOT NULL,
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash text NOT NULL,
  status integer NOT NULL,
  location text,
  etag text,
  -- The exact bytes of the first answer (text, not jsonb, which would reorder keys).
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- Every write: who, what, which item, when, and the fields that changed (old and new values).
-- No foreign key to users: the trail outlives accounts.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  user_id uuid,
  user_email text NOT NULL,
  action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  resource text NOT NULL,
  item_id uuid NOT NULL,
  changes jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC);
CREATE INDEX audit_log_resource_idx ON audit_log (resource, at DESC);
