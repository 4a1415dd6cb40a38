-- The sanitized HTML of each news body, per locale, rendered once per write by the server
-- (markdown::render_localized) instead of at every read. NULL means "not rendered yet": rows
-- from before this migration, or written by other means than the API; the server renders those
-- after migrating and whenever it reads one.
ALTER TABLE news ADD COLUMN body_html jsonb;

-- A write that changes the body without rendering it (SQL from outside the server) must not keep
-- the HTML of the old body: the HTML is dropped, to be rendered again.
CREATE FUNCTION orgcms_news_body_html_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.body IS DISTINCT FROM OLD.body AND NEW.body_html IS NOT DISTINCT FROM OLD.body_html THEN
    NEW.body_html := NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER news_body_html_stale BEFORE UPDATE ON news
  FOR EACH ROW EXECUTE FUNCTION orgcms_news_body_html_stale();

-- Derived columns are no change of the item: rendering a body neither moves its version nor its
-- update time.
CREATE OR REPLACE FUNCTION orgcms_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'search' - 'body_html') IS NOT DISTINCT FROM (to_jsonb(OLD) - 'search' - 'body_html') THEN
    RETURN NEW;
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END
$$;
