DROP INDEX news_search_idx;
ALTER TABLE news DROP COLUMN search;
DROP FUNCTION orgcms_search_query(text);
DROP FUNCTION orgcms_localized_vector(jsonb, "char");
DROP FUNCTION orgcms_search_config(text);
