-- Full-text search over news: one stored, indexed vector per item over title (weight A),
-- summary (B) and body (C) in every locale, each locale with its own text-search configuration.

-- The configuration of a locale: stemming where PostgreSQL has it, plain words elsewhere
-- (PostgreSQL has no Ukrainian stemmer; `simple` still finds every word form written).
CREATE FUNCTION orgcms_search_config(locale text) RETURNS regconfig
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE locale
    WHEN 'en' THEN 'english'::regconfig
    WHEN 'de' THEN 'german'::regconfig
    WHEN 'fr' THEN 'french'::regconfig
    WHEN 'es' THEN 'spanish'::regconfig
    WHEN 'ru' THEN 'russian'::regconfig
    ELSE 'simple'::regconfig
  END;

-- The vector of one localized text, every locale in its configuration.
CREATE FUNCTION orgcms_localized_vector(text_by_locale jsonb, weight "char") RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN coalesce(
    (SELECT tsvector_agg FROM (
       SELECT string_agg(
                setweight(to_tsvector(orgcms_search_config(key), value), weight)::text, ' '
              )::tsvector AS tsvector_agg
       FROM jsonb_each_text(text_by_locale)
     ) AS v),
    ''::tsvector);

-- A reader's query, understood in every configuration (web-search syntax: quotes, OR, -word;
-- it never fails, whatever the input).
CREATE FUNCTION orgcms_search_query(q text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN websearch_to_tsquery('english', q) || websearch_to_tsquery('simple', q);

ALTER TABLE news ADD COLUMN search tsvector GENERATED ALWAYS AS (
  orgcms_localized_vector(title, 'A')
  || orgcms_localized_vector(summary, 'B')
  || orgcms_localized_vector(body, 'C')
) STORED;

CREATE INDEX news_search_idx ON news USING gin (search);

-- A BEFORE trigger sees the generated column as NULL in NEW, so comparing whole rows would take
-- every update for a change: compare them without it.
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
