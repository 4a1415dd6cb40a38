-- The change feed of the public content (GET /api/v1/changes): one row per content item that was
-- ever created, changed or deleted, at the position (`seq`) of its latest change. Readers load the
-- item's current state, so a delete, an unpublish and a change all need nothing but the item's
-- name here; a row is moved to the end when its item changes again, so the table holds one row
-- per item and a reader never sees an item twice in one pass.
--
-- seq order is commit order: every transaction that changes content takes one transaction-level
-- advisory lock before it draws a seq and holds it until it commits (PostgreSQL makes a
-- transaction visible before it releases its locks), so no reader can see seq N+1 while N is
-- still in flight, and a cursor that says "everything up to N" never skips a late commit.
CREATE TABLE content_changes (
  seq bigint PRIMARY KEY,
  resource text NOT NULL CHECK (resource IN ('organization', 'objective', 'mission', 'news')),
  item_id uuid NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The (top-level) transaction that logged the change: a transaction logs each item once, however
  -- many of its rows (a mission's parts) it writes.
  xact_id bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
  CONSTRAINT content_changes_item_key UNIQUE (resource, item_id)
);
CREATE SEQUENCE content_changes_seq OWNED BY content_changes.seq;

-- The lock that orders content writes. The write mechanism takes it first thing in every write
-- transaction, so that it is never taken after a row lock (no lock-order deadlock with foreign-key
-- actions); the triggers take it again (a no-op then) for writers that do not.
CREATE FUNCTION orgcms_lock_content() RETURNS void
LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(7303014237001)
$$;

-- Logs that `item` of `kind` changed, once per transaction, and tells listeners of the channel
-- `orgcms_content` (delivered at commit; the payload is the seq).
CREATE FUNCTION orgcms_log_change(kind text, item uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  next_seq bigint;
  this_xact bigint := pg_current_xact_id()::text::bigint;
BEGIN
  PERFORM orgcms_lock_content();
  IF EXISTS (SELECT 1 FROM content_changes c
              WHERE c.resource = kind AND c.item_id = item AND c.xact_id = this_xact) THEN
    RETURN;
  END IF;
  next_seq := nextval('content_changes_seq');
  INSERT INTO content_changes (seq, resource, item_id, xact_id)
  VALUES (next_seq, kind, item, this_xact)
  ON CONFLICT ON CONSTRAINT content_changes_item_key DO UPDATE
    SET seq = EXCLUDED.seq, changed_at = EXCLUDED.changed_at, xact_id = EXCLUDED.xact_id;
  PERFORM pg_notify('orgcms_content', next_seq::text);
END
$$;

-- Row trigger of every content table. TG_ARGV[0] is the resource, TG_ARGV[1] the column that names
-- the item: `id`, or `mission_id` for the parts of a mission (a change to a part is a change of
-- its mission). An update that changes nothing logs nothing.
CREATE FUNCTION orgcms_content_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_item uuid;
  new_item uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    old_item := (to_jsonb(OLD) ->> TG_ARGV[1])::uuid;
    PERFORM orgcms_log_change(TG_ARGV[0], old_item);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    new_item := (to_jsonb(NEW) ->> TG_ARGV[1])::uuid;
    IF new_item IS DISTINCT FROM old_item THEN
      PERFORM orgcms_log_change(TG_ARGV[0], new_item);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- A news item shows the slug of its mission: a new slug changes its published news items.
CREATE FUNCTION orgcms_mission_slug_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM orgcms_log_change('news', n.id)
     FROM news n
    WHERE n.mission_id = NEW.id AND n.status = 'published'
    ORDER BY n.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER organization_changes AFTER INSERT OR UPDATE OR DELETE ON organization
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('organization', 'id');
CREATE TRIGGER objectives_changes AFTER INSERT OR UPDATE OR DELETE ON objectives
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('objective', 'id');
CREATE TRIGGER missions_changes AFTER INSERT OR UPDATE OR DELETE ON missions
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('mission', 'id');
CREATE TRIGGER missions_slug_changes AFTER UPDATE OF slug ON missions
  FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug)
  EXECUTE FUNCTION orgcms_mission_slug_changed();
CREATE TRIGGER mission_milestones_changes AFTER INSERT OR UPDATE OR DELETE ON mission_milestones
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('mission', 'mission_id');
CREATE TRIGGER mission_focus_areas_changes AFTER INSERT OR UPDATE OR DELETE ON mission_focus_areas
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('mission', 'mission_id');
CREATE TRIGGER mission_key_figures_changes AFTER INSERT OR UPDATE OR DELETE ON mission_key_figures
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('mission', 'mission_id');
CREATE TRIGGER mission_assistance_types_changes AFTER INSERT OR UPDATE OR DELETE ON mission_assistance_types
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('mission', 'mission_id');
CREATE TRIGGER news_changes AFTER INSERT OR UPDATE OR DELETE ON news
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('news', 'id');

-- What exists already, so that a first sync sees it.
SELECT orgcms_lock_content();
INSERT INTO content_changes (seq, resource, item_id)
SELECT nextval('content_changes_seq'), existing.resource, existing.id
  FROM (
    SELECT 1 AS kind_order, 'organization' AS resource, id, created_at FROM organization
    UNION ALL SELECT 2, 'objective', id, created_at FROM objectives
    UNION ALL SELECT 3, 'mission', id, created_at FROM missions
    UNION ALL SELECT 4, 'news', id, created_at FROM news
    ORDER BY kind_order, created_at, id
  ) AS existing;
