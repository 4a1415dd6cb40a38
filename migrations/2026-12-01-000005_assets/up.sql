-- The media library. An asset is one uploaded file, stored (cleaned of location metadata) under
-- `storage_key` in the configured object store, plus what editors say about it. The file never
-- changes: a new file is a new asset, so its URLs can carry the content hash and be cached
-- forever. Editors change only the metadata (title, alt text, credit, copyright, focal point).
CREATE TABLE assets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  kind text NOT NULL CHECK (kind IN ('image', 'document', 'vector')),
  media_type text NOT NULL,
  byte_size bigint NOT NULL CHECK (byte_size > 0),
  width integer CHECK (width > 0),
  height integer CHECK (height > 0),
  -- SHA-256 (hex) of the stored bytes, and where they are.
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text NOT NULL,
  title text NOT NULL DEFAULT '',
  alt jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(alt)),
  credit text,
  copyright text,
  focal_x double precision CHECK (focal_x BETWEEN 0 AND 1),
  focal_y double precision CHECK (focal_y BETWEEN 0 AND 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK ((focal_x IS NULL) = (focal_y IS NULL))
);
CREATE INDEX assets_created_idx ON assets (created_at DESC, id DESC);
CREATE INDEX assets_kind_created_idx ON assets (kind, created_at DESC, id DESC);
CREATE INDEX assets_sha256_idx ON assets (sha256);
CREATE TRIGGER assets_touch BEFORE UPDATE ON assets
  FOR EACH ROW EXECUTE FUNCTION orgcms_touch();

-- Where content uses an asset: written by the content's own write, in its transaction. An asset
-- in use cannot be deleted (the API answers 409 naming the uses; the key holds without it), and
-- its files are public only while public content uses it.
CREATE TABLE asset_uses (
  asset_id uuid NOT NULL REFERENCES assets (id) ON DELETE RESTRICT,
  resource text NOT NULL CHECK (resource IN ('news', 'mission')),
  item_id uuid NOT NULL,
  -- The field that holds the reference: `cover_asset_id`, or `body.<locale>` for an embed.
  field text NOT NULL,
  PRIMARY KEY (asset_id, resource, item_id, field)
);
CREATE INDEX asset_uses_item_idx ON asset_uses (resource, item_id);

-- The rendered variants of stored images, keyed by the content hash of the original and the
-- normalised parameters (`media::variant::resolve`). A row is first a claim (`stored_at` NULL) by
-- the node rendering it, then the record of the stored file; other nodes wait for the claim
-- instead of rendering the same variant, and take over a claim older than the render timeout.
CREATE TABLE asset_variants (
  sha256 text NOT NULL,
  params text NOT NULL,
  storage_key text NOT NULL,
  media_type text NOT NULL,
  width integer,
  height integer,
  byte_size bigint,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  stored_at timestamptz,
  PRIMARY KEY (sha256, params)
);

-- Covers as assets. The URL form stays for images that live elsewhere.
ALTER TABLE news ADD COLUMN cover_asset_id uuid REFERENCES assets (id) ON DELETE RESTRICT;
ALTER TABLE missions ADD COLUMN cover_asset_id uuid REFERENCES assets (id) ON DELETE RESTRICT;
CREATE INDEX news_cover_asset_idx ON news (cover_asset_id) WHERE cover_asset_id IS NOT NULL;
CREATE INDEX missions_cover_asset_idx ON missions (cover_asset_id) WHERE cover_asset_id IS NOT NULL;

-- A change of an asset's metadata (its alt text, its focal point) changes the public items that
-- show it: they are logged as changed, so the change feed, Last-Modified and every node's
-- response cache follow. An unused asset changes unseen.
CREATE FUNCTION orgcms_asset_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  use record;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
    RETURN NULL;
  END IF;
  FOR use IN
    SELECT DISTINCT u.resource, u.item_id FROM asset_uses u
     WHERE u.asset_id = OLD.id
       AND (u.resource = 'mission'
            OR EXISTS (SELECT 1 FROM news n
                        WHERE n.id = u.item_id AND n.status = 'published'
                          AND n.published_at <= clock_timestamp()))
     ORDER BY u.resource, u.item_id
  LOOP
    PERFORM orgcms_log_change(use.resource, use.item_id);
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER assets_changes AFTER UPDATE ON assets
  FOR EACH ROW EXECUTE FUNCTION orgcms_asset_changed();
