CREATE OR REPLACE FUNCTION orgcms_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW IS NOT DISTINCT FROM OLD THEN
    RETURN NEW;
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END
$$;
DROP INDEX news_search_idx;
ALTER TABLE news DROP COLUMN search;
DROP FUNCTION orgcms_search_query(text);
DROP FUNCTION orgcms_localized_vector(jsonb, "char");
DROP FUNCTION orgcms_search_config(text);
