-- The change log is public content's: a news item is logged only when a change touches what the
-- public sees, i.e. when it was public before the change or is public after it. Drafts, scheduled
-- and archived items change unseen (their ids and edit times never reach /changes or the public
-- Last-Modified); a scheduled item arrives when its time comes, through the time window of the
-- change feed. Changes of a scheduled item still wake the listening caches (a NOTIFY without a log
-- entry), since they move the time of the next publication.
CREATE FUNCTION orgcms_news_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := clock_timestamp();
  was_public boolean := false;
  is_public boolean := false;
  scheduled boolean := false;
  item uuid;
BEGIN
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - 'search' - 'body_html') IS NOT DISTINCT FROM (to_jsonb(OLD) - 'search' - 'body_html') THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    item := OLD.id;
    was_public := OLD.status = 'published' AND OLD.published_at <= at;
    scheduled := OLD.status = 'published' AND OLD.published_at > at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    item := NEW.id;
    is_public := NEW.status = 'published' AND NEW.published_at <= at;
    scheduled := scheduled OR (NEW.status = 'published' AND NEW.published_at > at);
  END IF;
  IF was_public OR is_public THEN
    PERFORM orgcms_log_change('news', item);
  ELSIF scheduled THEN
    PERFORM pg_notify('orgcms_content', '');
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER news_changes ON news;
CREATE TRIGGER news_changes AFTER INSERT OR UPDATE OR DELETE ON news
  FOR EACH ROW EXECUTE FUNCTION orgcms_news_changed();

-- A news item shows the slug of its mission: a new slug changes its public news items.
CREATE OR REPLACE FUNCTION orgcms_mission_slug_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM orgcms_log_change('news', n.id)
     FROM news n
    WHERE n.mission_id = NEW.id AND n.status = 'published' AND n.published_at <= clock_timestamp()
    ORDER BY n.id;
  RETURN NULL;
END
$$;
