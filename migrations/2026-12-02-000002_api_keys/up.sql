-- Partner API keys: read-only credentials that administrators hand to partners.
--
-- A key is `orgcms_` + 32 random base62 characters + a 6-character CRC32 checksum; only its
-- SHA-256 is kept (the key is random enough that a slow hash adds nothing), with the first
-- characters for people to recognise it by. Every request with a key looks it up here, so a
-- revocation (the row deleted) or an expiry holds on every node at once.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  scopes text[] NOT NULL CHECK (scopes <@ ARRAY['content:read', 'drafts:read', 'assets:read']::text[]),
  -- Restrictions: only this mission's content (a deleted mission takes its keys along rather
  -- than widen them), only these locales.
  mission_id uuid REFERENCES missions (id) ON DELETE CASCADE,
  locales text[],
  rate_limit_per_minute integer NOT NULL CHECK (rate_limit_per_minute > 0),
  daily_quota integer NOT NULL CHECK (daily_quota > 0),
  prefix text NOT NULL,
  key_hash bytea NOT NULL UNIQUE,
  -- The key before the last rotation, still accepted until then.
  previous_key_hash bytea UNIQUE,
  previous_key_until timestamptz,
  expires_at timestamptz NOT NULL,
  -- Written in batches by each node (`accounts::keys::usage`), not on every request.
  last_used_at timestamptz,
  usage_day date,
  used_today bigint NOT NULL DEFAULT 0,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);
