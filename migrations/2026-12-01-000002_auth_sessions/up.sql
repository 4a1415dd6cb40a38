-- The logins: one row per refresh-token family (`refresh_tokens.family_id`). Access tokens name
-- their login in the `sid` claim, and every authenticated request checks, in the query that
-- loads the account, that the login exists and is not revoked. So logging out, a detected reuse
-- of a refresh token and a password change end the access tokens of that login (or of every
-- login of the account) at once, on every node.
CREATE TABLE auth_sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id);

-- The logins of the refresh tokens already issued; a family with a revoked token is revoked.
INSERT INTO auth_sessions (id, user_id, created_at, revoked_at)
SELECT DISTINCT ON (family_id)
       family_id,
       user_id,
       min(created_at) OVER family,
       max(revoked_at) OVER family
FROM refresh_tokens
WINDOW family AS (PARTITION BY family_id)
ORDER BY family_id, created_at;
