DROP FUNCTION orgcms_stamp(regclass, uuid, integer, timestamptz, timestamptz);
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
DROP TRIGGER news_slug_not_in_trash ON news;
DROP TRIGGER missions_slug_not_in_trash ON missions;
DROP TRIGGER objectives_slug_not_in_trash ON objectives;
DROP FUNCTION orgcms_slug_not_in_trash();
DROP TABLE trash;
DROP TABLE revisions;
