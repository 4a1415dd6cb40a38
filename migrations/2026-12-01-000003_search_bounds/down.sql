CREATE OR REPLACE FUNCTION orgcms_search_query(q text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN websearch_to_tsquery('english', q) || websearch_to_tsquery('simple', q);

CREATE OR REPLACE FUNCTION orgcms_localized_vector(text_by_locale jsonb, weight "char")
  RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN coalesce(
    (SELECT tsvector_agg FROM (
       SELECT string_agg(
                setweight(to_tsvector(orgcms_search_config(key), value), weight)::text, ' '
              )::tsvector AS tsvector_agg
       FROM jsonb_each_text(text_by_locale)
     ) AS v),
    ''::tsvector);

ALTER TABLE news DISABLE TRIGGER news_touch;
ALTER TABLE news DISABLE TRIGGER news_changes;
UPDATE news SET title = title;
ALTER TABLE news ENABLE TRIGGER news_touch;
ALTER TABLE news ENABLE TRIGGER news_changes;

DROP FUNCTION orgcms_snippet_query(tsquery);
DROP FUNCTION orgcms_search_input(text);
DROP FUNCTION orgcms_search_text(text, integer);
