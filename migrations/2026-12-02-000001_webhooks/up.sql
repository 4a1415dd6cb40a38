-- Webhooks: subscriptions, and a transactional outbox of events about public content.
--
-- An event says that an item's public state changed: `<resource>.published` (it became public),
-- `.updated` (it changed while public), `.unpublished` (it exists but is no longer public) or
-- `.deleted`. The database decides, at the commit of the change, by comparing what is public now
-- with what was last announced (`webhook_announced`): so an event commits with its change or not at
-- all, whoever wrote it, and a transaction that touches an item many times (a mission and its
-- parts) announces it once, in its final state. A scheduled news item is announced when its time
-- comes, by `orgcms_webhook_announce_due`, which every node's relay calls.

-- Who gets which events, signed with which secret. The secrets sign (HMAC): they are kept as
-- they are, and never shown again after creation and rotation.
CREATE TABLE webhooks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url text NOT NULL,
  event_types text[] NOT NULL,
  -- Filters: only events of this mission (its news and itself), of items in this locale.
  mission_id uuid,
  locale text,
  payload text NOT NULL DEFAULT 'thin' CHECK (payload IN ('thin', 'full')),
  active boolean NOT NULL DEFAULT true,
  description text NOT NULL DEFAULT '',
  secret text NOT NULL,
  -- The secret before the last rotation, still signing (beside the new one) until then.
  previous_secret text,
  previous_secret_until timestamptz,
  -- Why the relay turned it off (a 410, days of failures); NULL when an administrator did.
  disabled_reason text,
  -- The first failed attempt since the last success.
  failing_since timestamptz,
  -- Bumped by administrators' writes only (the relay's bookkeeping is no new version).
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_created_idx ON webhooks (created_at, id);

-- The outbox. `data` is what the thin payload says of the item (slug, version, locales, path);
-- `change_seq` and the news key are the change feed's position after this change.
CREATE TABLE webhook_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigserial UNIQUE NOT NULL,
  type text NOT NULL,
  resource text NOT NULL,
  item_id uuid NOT NULL,
  mission_id uuid,
  data jsonb NOT NULL,
  change_seq bigint NOT NULL,
  news_key_at timestamptz NOT NULL,
  news_key_id uuid NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_events_occurred_idx ON webhook_events (occurred_at, seq);

-- One event for one subscription. The relay claims due rows with FOR UPDATE SKIP LOCKED and
-- leases them while it sends, by moving `next_attempt_at` past the attempt's longest time: a
-- relay that dies leaves a lease that runs out, and the delivery is tried again. `body` is fixed
-- at the first attempt (every retry sends the same bytes).
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  body text,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  delivered_at timestamptz,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC);

-- Every attempt, for the delivery log.
CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  status integer,
  latency_ms integer NOT NULL,
  response_excerpt text,
  error text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- What was last announced as public, per item: an item here is public as far as subscribers know.
CREATE TABLE webhook_announced (
  resource text NOT NULL,
  item_id uuid NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (resource, item_id)
);

-- Items to announce at the commit of the transaction that changed them (a deferred trigger
-- empties it).
CREATE TABLE webhook_pending (
  resource text NOT NULL,
  item_id uuid NOT NULL,
  PRIMARY KEY (resource, item_id)
);

-- Up to which publication time scheduled news items have been announced.
CREATE TABLE webhook_schedule (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  announced_through timestamptz NOT NULL
);

CREATE FUNCTION orgcms_locales(texts jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_agg(k ORDER BY k), '[]'::jsonb) FROM jsonb_object_keys(texts) AS k
$$;

-- What the public sees of an item now, as events describe it; NULL when it is not public (or
-- does not exist). Objectives, missions and the organization are public while they exist; a
-- news item while it is published and its time has come; an asset while public content shows it.
CREATE FUNCTION orgcms_public_snapshot(kind text, item uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT CASE kind
    WHEN 'news' THEN (
      SELECT jsonb_build_object('slug', n.slug, 'version', n.version, 'locales', orgcms_locales(n.title),
                                'mission_id', n.mission_id, 'path', '/api/v1/news/' || n.slug)
        FROM news n
       WHERE n.id = item AND n.status = 'published' AND n.published_at <= clock_timestamp())
    WHEN 'objective' THEN (
      SELECT jsonb_build_object('slug', o.slug, 'version', o.version, 'locales', orgcms_locales(o.title),
                                'mission_id', NULL, 'path', '/api/v1/objectives/' || o.slug)
        FROM objectives o WHERE o.id = item)
    WHEN 'mission' THEN (
      SELECT jsonb_build_object('slug', m.slug, 'version', m.version, 'locales', orgcms_locales(m.name),
                                'mission_id', m.id, 'path', '/api/v1/missions/' || m.slug)
        FROM missions m WHERE m.id = item)
    WHEN 'organization' THEN (
      SELECT jsonb_build_object('slug', NULL, 'version', o.version, 'locales', orgcms_locales(o.name),
                                'mission_id', NULL, 'path', '/api/v1/organization')
        FROM organization o WHERE o.id = item)
    WHEN 'asset' THEN (
      SELECT jsonb_build_object('slug', NULL, 'version', a.version, 'locales', orgcms_locales(a.alt),
                                'mission_id', NULL, 'path', '/api/v1/assets/' || a.id)
        FROM assets a
       WHERE a.id = item
         AND EXISTS (SELECT 1 FROM asset_uses u
                      WHERE u.asset_id = a.id
                        AND (u.resource = 'mission'
                             OR EXISTS (SELECT 1 FROM news n
                                         WHERE n.id = u.item_id AND n.status = 'published'
                                           AND n.published_at <= clock_timestamp()))))
  END
$$;

CREATE FUNCTION orgcms_item_exists(kind text, item uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE kind
    WHEN 'news' THEN EXISTS (SELECT 1 FROM news WHERE id = item)
    WHEN 'objective' THEN EXISTS (SELECT 1 FROM objectives WHERE id = item)
    WHEN 'mission' THEN EXISTS (SELECT 1 FROM missions WHERE id = item)
    WHEN 'organization' THEN EXISTS (SELECT 1 FROM organization WHERE id = item)
    WHEN 'asset' THEN EXISTS (SELECT 1 FROM assets WHERE id = item)
  END
$$;

-- Compares the item's public state with what was last announced, and writes the event (and a
-- delivery for every active subscription that wants it) when they differ. `key_at`/`key_id`
-- place a scheduled news item in the change feed's time window; NULL for a change that was
-- logged. An asset is `updated` only when its own metadata changed (a re-check because content
-- that shows it changed is no event of it).
CREATE FUNCTION orgcms_webhook_announce(kind text, item uuid, key_at timestamptz, key_id uuid)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  now_public jsonb := orgcms_public_snapshot(kind, item);
  was jsonb;
  verb text;
  snapshot jsonb;
  event uuid;
  event_type text;
BEGIN
  SELECT a.data INTO was FROM webhook_announced a WHERE a.resource = kind AND a.item_id = item;
  IF now_public IS NOT NULL THEN
    IF was IS NULL THEN
      verb := 'published';
    ELSIF kind = 'asset' AND was = now_public THEN
      verb := NULL;
    ELSE
      verb := 'updated';
    END IF;
    snapshot := now_public;
    INSERT INTO webhook_announced (resource, item_id, data) VALUES (kind, item, now_public)
    ON CONFLICT (resource, item_id) DO UPDATE SET data = EXCLUDED.data;
  ELSIF was IS NOT NULL THEN
    verb := CASE WHEN orgcms_item_exists(kind, item) THEN 'unpublished' ELSE 'deleted' END;
    snapshot := was;
    DELETE FROM webhook_announced WHERE resource = kind AND item_id = item;
  END IF;
  IF kind IN ('news', 'mission') THEN
    -- Whether an asset is public follows the content that shows it.
    INSERT INTO webhook_pending (resource, item_id)
    SELECT DISTINCT 'asset', u.asset_id FROM asset_uses u WHERE u.resource = kind AND u.item_id = item
    ON CONFLICT DO NOTHING;
  END IF;
  IF verb IS NULL THEN
    RETURN;
  END IF;
  event_type := kind || '.' || verb;
  INSERT INTO webhook_events (type, resource, item_id, mission_id, data, change_seq, news_key_at, news_key_id)
  VALUES (event_type, kind, item, (snapshot ->> 'mission_id')::uuid, snapshot - 'mission_id',
          coalesce((SELECT max(seq) FROM content_changes), 0),
          coalesce(key_at, (SELECT s.announced_through FROM webhook_schedule s)),
          coalesce(key_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid))
  RETURNING id INTO event;
  INSERT INTO webhook_deliveries (webhook_id, event_id)
  SELECT w.id, event FROM webhooks w
   WHERE w.active
     AND event_type = ANY (w.event_types)
     AND (w.mission_id IS NULL OR w.mission_id = (snapshot ->> 'mission_id')::uuid)
     AND (w.locale IS NULL OR snapshot -> 'locales' ? w.locale)
   ORDER BY w.id;
  PERFORM pg_notify('orgcms_webhooks', '');
END
$$;

CREATE FUNCTION orgcms_webhook_pending_announce() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_pending WHERE resource = NEW.resource AND item_id = NEW.item_id;
  PERFORM orgcms_webhook_announce(NEW.resource, NEW.item_id, NULL, NULL);
  RETURN NULL;
END
$$;
-- At commit: the item in its final state.
CREATE CONSTRAINT TRIGGER webhook_pending_announce AFTER INSERT ON webhook_pending
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION orgcms_webhook_pending_announce();

-- Queues the item a changed row names, to be announced at commit. TG_ARGV[0] is its resource
-- ('' for a row that names its own in `resource`), TG_ARGV[1] the column that holds its id.
CREATE FUNCTION orgcms_webhook_queue() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN
    changed := to_jsonb(OLD);
  ELSE
    changed := to_jsonb(NEW);
  END IF;
  INSERT INTO webhook_pending (resource, item_id)
  VALUES (coalesce(nullif(TG_ARGV[0], ''), changed ->> 'resource'), (changed ->> TG_ARGV[1])::uuid)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

-- Every logged change of public content is announced; so is every change of an asset and of
-- where assets are used.
CREATE TRIGGER content_changes_webhooks AFTER INSERT OR UPDATE ON content_changes
  FOR EACH ROW EXECUTE FUNCTION orgcms_webhook_queue('', 'item_id');
CREATE TRIGGER assets_webhooks AFTER UPDATE OR DELETE ON assets
  FOR EACH ROW EXECUTE FUNCTION orgcms_webhook_queue('asset', 'id');
CREATE TRIGGER asset_uses_webhooks AFTER INSERT OR DELETE ON asset_uses
  FOR EACH ROW EXECUTE FUNCTION orgcms_webhook_queue('asset', 'asset_id');

-- Announces the scheduled news items whose time has come, in publication order; returns how
-- many. Under the content lock, so that no write in flight can commit an item into a window
-- already passed.
CREATE FUNCTION orgcms_webhook_announce_due() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  through timestamptz;
  upto timestamptz;
  due record;
  announced integer := 0;
BEGIN
  PERFORM orgcms_lock_content();
  SELECT s.announced_through INTO through FROM webhook_schedule s FOR UPDATE;
  upto := clock_timestamp();
  FOR due IN
    SELECT n.id, n.published_at FROM news n
     WHERE n.status = 'published' AND n.published_at > through AND n.published_at <= upto
       AND NOT EXISTS (SELECT 1 FROM webhook_announced a WHERE a.resource = 'news' AND a.item_id = n.id)
     ORDER BY n.published_at, n.id
  LOOP
    PERFORM orgcms_webhook_announce('news', due.id, due.published_at, due.id);
    announced := announced + 1;
  END LOOP;
  UPDATE webhook_schedule SET announced_through = upto;
  RETURN announced;
END
$$;

-- What is public now was announced (to no one): the first change of it is an update.
SELECT orgcms_lock_content();
INSERT INTO webhook_schedule (announced_through) VALUES (clock_timestamp());
INSERT INTO webhook_announced (resource, item_id, data)
SELECT p.resource, p.item_id, p.data
  FROM (
    SELECT 'organization' AS resource, id AS item_id, orgcms_public_snapshot('organization', id) AS data FROM organization
    UNION ALL SELECT 'objective', id, orgcms_public_snapshot('objective', id) FROM objectives
    UNION ALL SELECT 'mission', id, orgcms_public_snapshot('mission', id) FROM missions
    UNION ALL SELECT 'news', id, orgcms_public_snapshot('news', id) FROM news
    UNION ALL SELECT 'asset', id, orgcms_public_snapshot('asset', id) FROM assets
  ) AS p
 WHERE p.data IS NOT NULL;
