-- The content model of orgcms. Every human-readable text is a JSON object of locale -> string
-- ({"en": "...", "uk": "..."}); the locale list itself is configuration, so it is not a constraint.

CREATE FUNCTION orgcms_is_localized(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_typeof(j) = 'object'
     AND NOT EXISTS (
       SELECT 1 FROM jsonb_each(j) AS e(k, v)
        WHERE jsonb_typeof(e.v) <> 'string' OR e.k !~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'
     )
$$;

CREATE FUNCTION orgcms_is_slug(s text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT s ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(s) <= 120
$$;

-- Every change of a row bumps its version and updated_at, whoever writes it; an update that
-- changes nothing leaves both alone.
CREATE FUNCTION orgcms_touch() RETURNS trigger
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

CREATE TABLE organization (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  name jsonb NOT NULL CHECK (orgcms_is_localized(name)),
  acronym text NOT NULL CHECK (length(acronym) BETWEEN 1 AND 20),
  founded_year integer NOT NULL CHECK (founded_year BETWEEN 1800 AND 2200),
  un_system_member boolean NOT NULL,
  mission_statement jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(mission_statement)),
  description jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(description)),
  constitution_note jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(constitution_note)),
  member_states integer NOT NULL CHECK (member_states >= 0),
  observer_states integer NOT NULL CHECK (observer_states >= 0),
  countries_with_offices integer NOT NULL CHECK (countries_with_offices >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE TRIGGER organization_touch BEFORE UPDATE ON organization
  FOR EACH ROW EXECUTE FUNCTION orgcms_touch();

CREATE TABLE objectives (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (orgcms_is_slug(slug)),
  position integer NOT NULL CHECK (position >= 0),
  title jsonb NOT NULL CHECK (orgcms_is_localized(title)),
  summary jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(summary)),
  body jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(body)),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
-- Lists are ordered by position, then id (the id makes the order total for keyset paging).
CREATE INDEX objectives_position_idx ON objectives (position, id);
CREATE TRIGGER objectives_touch BEFORE UPDATE ON objectives
  FOR EACH ROW EXECUTE FUNCTION orgcms_touch();

CREATE TABLE missions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (orgcms_is_slug(slug)),
  country_code text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
  name jsonb NOT NULL CHECK (orgcms_is_localized(name)),
  office_city jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(office_city)),
  started_year integer CHECK (started_year BETWEEN 1951 AND 2200),
  summary jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(summary)),
  body jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(body)),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX missions_country_code_idx ON missions (country_code, id);
CREATE INDEX missions_started_year_idx ON missions (started_year, id);
CREATE TRIGGER missions_touch BEFORE UPDATE ON missions
  FOR EACH ROW EXECUTE FUNCTION orgcms_touch();

-- The parts of a mission are written with it as one document; the mission's version covers them.
CREATE TABLE mission_milestones (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mission_id uuid NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 0),
  kind text NOT NULL CHECK (kind IN ('office_opened', 'observer', 'membership_application', 'membership', 'other')),
  year integer NOT NULL CHECK (year BETWEEN 1800 AND 2200),
  date date CHECK (date IS NULL OR extract(year FROM date) = year),
  title jsonb NOT NULL CHECK (orgcms_is_localized(title)),
  description jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(description)),
  UNIQUE (mission_id, position)
);

CREATE TABLE mission_focus_areas (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mission_id uuid NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 0),
  title jsonb NOT NULL CHECK (orgcms_is_localized(title)),
  description jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(description)),
  UNIQUE (mission_id, position)
);

CREATE TABLE mission_key_figures (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mission_id uuid NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 0),
  label jsonb NOT NULL CHECK (orgcms_is_localized(label)),
  value double precision NOT NULL CHECK (value = value AND value <> 'Infinity' AND value <> '-Infinity'),
  unit text CHECK (unit IS NULL OR length(unit) BETWEEN 1 AND 40),
  approximate boolean NOT NULL DEFAULT false,
  as_of date,
  UNIQUE (mission_id, position)
);

CREATE TABLE mission_assistance_types (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mission_id uuid NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 0),
  name jsonb NOT NULL CHECK (orgcms_is_localized(name)),
  UNIQUE (mission_id, position)
);

CREATE TABLE news (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (orgcms_is_slug(slug)),
  title jsonb NOT NULL CHECK (orgcms_is_localized(title)),
  summary jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(summary)),
  body jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(body)),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  published_at timestamptz,
  mission_id uuid REFERENCES missions (id) ON DELETE SET NULL,
  tags text[] NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL AND cardinality(tags) <= 20),
  cover_image_url text CHECK (cover_image_url IS NULL OR cover_image_url ~ '^https?://'),
  cover_image_alt jsonb NOT NULL DEFAULT '{}' CHECK (orgcms_is_localized(cover_image_alt)),
  synthetic boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT news_published_has_date CHECK (status <> 'published' OR published_at IS NOT NULL)
);
-- The public list: published items newest first; the time filter (published_at <= now()) and
-- the date-range filters are range conditions on the same index.
CREATE INDEX news_published_idx ON news (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX news_mission_published_idx ON news (mission_id, published_at DESC, id DESC)
  WHERE status = 'published';
CREATE INDEX news_tags_idx ON news USING gin (tags) WHERE status = 'published';
-- Editors list every status.
CREATE INDEX news_status_idx ON news (status, published_at DESC, id DESC);
CREATE TRIGGER news_touch BEFORE UPDATE ON news
  FOR EACH ROW EXECUTE FUNCTION orgcms_touch();

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254 AND strpos(email, '@') > 1),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  role text NOT NULL CHECK (role IN ('admin', 'editor')),
  active boolean NOT NULL DEFAULT true,
  password_hash text NOT NULL,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION orgcms_touch();
