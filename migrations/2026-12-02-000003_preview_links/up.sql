-- Draft previews: links an editor makes to show a news item's current draft to someone without
-- an account (a reviewer, the frontend's preview mode). The token is signed (a JWT of audience
-- `orgcms-preview`) and names its row here: deleting the row revokes it at once; the token's
-- expiry is the row's.
CREATE TABLE preview_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  news_id uuid NOT NULL REFERENCES news (id) ON DELETE CASCADE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX preview_links_news_idx ON preview_links (news_id, created_at);
