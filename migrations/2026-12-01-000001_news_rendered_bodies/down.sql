CREATE OR REPLACE FUNCTION orgcms_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'search') IS NOT DISTINCT FROM (to_jsonb(OLD) - 'search') THEN
    RETURN NEW;
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END
$$;
DROP TRIGGER news_body_html_stale ON news;
DROP FUNCTION orgcms_news_body_html_stale();
ALTER TABLE news DROP COLUMN body_html;
