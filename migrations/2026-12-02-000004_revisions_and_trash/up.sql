-- Editors' safety net: every version of a content item (revisions), and deleted items kept for
-- a while (trash). Neither has a foreign key to the content tables: both outlive the row.

-- One row per version of an item, written by the write engine in the write's transaction: the
-- editor view (`document`) and the input that writes it again (`input`, what a restore uses).
-- `was_public`: readers could see this version (a published news item; every version of a
-- resource without drafts), so retention keeps it.
CREATE TABLE revisions (
  resource text NOT NULL CHECK (resource IN ('organization', 'objectives', 'missions', 'news', 'assets')),
  item_id uuid NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  document jsonb NOT NULL,
  input jsonb NOT NULL,
  author_id uuid,
  author_email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  was_public boolean NOT NULL,
  pinned boolean NOT NULL DEFAULT false,
  PRIMARY KEY (resource, item_id, version)
);
-- Retention walks an item's prunable revisions newest first.
CREATE INDEX revisions_prunable_idx ON revisions (resource, item_id, version DESC)
  WHERE NOT was_public AND NOT pinned;

-- A deleted item: its last editor view and input, until it is restored or purged. Its slug
-- stays reserved (no live item of the resource may take it) until then.
CREATE TABLE trash (
  item_id uuid PRIMARY KEY,
  resource text NOT NULL CHECK (resource IN ('objectives', 'missions', 'news')),
  slug text NOT NULL,
  version integer NOT NULL,
  created_at timestamptz NOT NULL,
  document jsonb NOT NULL,
  input jsonb NOT NULL,
  deleted_by uuid,
  deleted_by_email text NOT NULL,
  deleted_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (resource, slug)
);
CREATE INDEX trash_deleted_at_idx ON trash (deleted_at DESC, item_id DESC);

-- A slug held by an item in the trash is taken: the same answer as a live item's (409).
CREATE FUNCTION orgcms_slug_not_in_trash() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM trash WHERE resource = TG_ARGV[0] AND slug = NEW.slug AND item_id <> NEW.id) THEN
    RAISE unique_violation USING MESSAGE = 'the slug is held by an item in the trash',
      CONSTRAINT = TG_TABLE_NAME || '_slug_key';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER objectives_slug_not_in_trash BEFORE INSERT OR UPDATE OF slug ON objectives
  FOR EACH ROW EXECUTE FUNCTION orgcms_slug_not_in_trash('objectives');
CREATE TRIGGER missions_slug_not_in_trash BEFORE INSERT OR UPDATE OF slug ON missions
  FOR EACH ROW EXECUTE FUNCTION orgcms_slug_not_in_trash('missions');
CREATE TRIGGER news_slug_not_in_trash BEFORE INSERT OR UPDATE OF slug ON news
  FOR EACH ROW EXECUTE FUNCTION orgcms_slug_not_in_trash('news');

-- A restore from the trash (or an import) brings an item back with its own version and times:
-- inside a transaction that sets `orgcms.stamping`, the touch trigger lets them through (as
-- before, a change of the derived columns alone, `search` and `body_html`, is no new version).
CREATE OR REPLACE FUNCTION orgcms_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'search' - 'body_html') IS NOT DISTINCT FROM (to_jsonb(OLD) - 'search' - 'body_html') THEN
    RETURN NEW;
  END IF;
  IF current_setting('orgcms.stamping', true) = 'on' THEN
    RETURN NEW;
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END
$$;

-- Sets an item's version and times (see orgcms_touch), for the tables of content.
CREATE FUNCTION orgcms_stamp(tab regclass, item uuid, v integer, created timestamptz, updated timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('orgcms.stamping', 'on', true);
  EXECUTE format('UPDATE %s SET version = $1, created_at = $2, updated_at = $3 WHERE id = $4', tab)
    USING v, created, updated, item;
  PERFORM set_config('orgcms.stamping', 'off', true);
END
$$;
