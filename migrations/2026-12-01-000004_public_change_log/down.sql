CREATE OR REPLACE FUNCTION orgcms_mission_slug_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM orgcms_log_change('news', n.id)
     FROM news n
    WHERE n.mission_id = NEW.id AND n.status = 'published'
    ORDER BY n.id;
  RETURN NULL;
END
$$;
DROP TRIGGER news_changes ON news;
CREATE TRIGGER news_changes AFTER INSERT OR UPDATE OR DELETE ON news
  FOR EACH ROW EXECUTE FUNCTION orgcms_content_changed('news', 'id');
DROP FUNCTION orgcms_news_changed();
