// A small client as a frontend team would write it, typed from openapi/openapi.json by
// openapi-typescript and calling the API with openapi-fetch. scripts/test type-checks it with
// `tsc --strict` and runs it against a live, seeded server:
//   ORGCMS_URL=http://127.0.0.1:8080 ORGCMS_EMAIL=... ORGCMS_PASSWORD=... npx tsx client.ts
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type NewsSummary = components["schemas"]["NewsSummary"];
type NewsEditor = components["schemas"]["NewsEditor"];

const baseUrl = process.env.ORGCMS_URL ?? "http://127.0.0.1:8080";
const api = createClient<paths>({ baseUrl });

function isPublic(item: NewsSummary | NewsEditor): item is NewsSummary {
  return "locale" in item;
}

async function ukraineNewsInUkrainian(): Promise<NewsSummary[]> {
  const { data, response } = await api.GET("/api/v1/news", {
    params: { query: { mission: "ukraine", locale: "uk" } },
  });
  assert.equal(response.status, 200);
  assert.ok(data);
  const items = data.data.filter(isPublic);
  assert.ok(items.length > 0, "the seed has news of the Ukraine mission");
  for (const item of items) {
    // No Ukrainian text in the seed: every item falls back to English, and says so.
    assert.ok(item.available_locales.includes(item.locale));
    assert.equal(item.mission?.slug, "ukraine");
  }
  assert.ok(response.headers.get("Content-Language"));
  return items;
}

async function allNewsByCursor(): Promise<string[]> {
  const slugs: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const { data } = await api.GET("/api/v1/news", {
      params: { query: { per_page: 1, cursor, total: true } },
    });
    assert.ok(data);
    slugs.push(...data.data.filter(isPublic).map((item) => item.slug));
    if (!data.meta.next_cursor) {
      assert.equal(slugs.length, data.meta.total);
      return slugs;
    }
    cursor = data.meta.next_cursor;
  }
}

async function oneBySlug(slug: string): Promise<void> {
  const { data, response } = await api.GET("/api/v1/news/{id_or_slug}", {
    params: { path: { id_or_slug: slug } },
  });
  assert.equal(response.status, 200);
  assert.ok(data && "locale" in data);
  assert.equal(data.slug, slug);
  const etag = response.headers.get("ETag");
  assert.ok(etag);
  const again = await fetch(`${baseUrl}/api/v1/news/${slug}`, { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
}

async function editorRoundTrip(email: string, password: string): Promise<void> {
  const login = await api.POST("/api/v1/auth/login", { body: { email, password } });
  assert.ok(login.data, "logged in");
  const headers = { Authorization: `Bearer ${login.data.access_token}` };

  const created = await api.POST("/api/v1/news", {
    headers,
    params: { header: { "Idempotency-Key": `client-${Date.now()}` } },
    body: { title: { en: "Client example", uk: "Приклад клієнта" }, tags: ["example"] },
  });
  assert.equal(created.response.status, 201);
  assert.ok(created.data);
  const id = created.data.id;
  const firstEtag = created.response.headers.get("ETag");
  assert.ok(firstEtag && created.response.headers.get("Location")?.endsWith(id));
  assert.equal(created.data.status, "draft");

  const published = await api.PATCH("/api/v1/news/{id_or_slug}", {
    headers,
    params: { path: { id_or_slug: id }, header: { "If-Match": firstEtag } },
    body: { status: "published" },
  });
  assert.equal(published.response.status, 200);
  assert.equal(published.data?.status, "published");

  // An edit from the stale version is refused, and changes nothing.
  const stale = await api.PATCH("/api/v1/news/{id_or_slug}", {
    headers,
    params: { path: { id_or_slug: id }, header: { "If-Match": firstEtag } },
    body: { summary: { en: "Lost update" } },
  });
  assert.equal(stale.response.status, 412);
  assert.equal(stale.error?.status, 412);

  const fresh = published.response.headers.get("ETag");
  assert.ok(fresh);
  const edited = await api.PATCH("/api/v1/news/{id_or_slug}", {
    headers,
    params: { path: { id_or_slug: id }, header: { "If-Match": fresh } },
    body: { summary: { en: "Edited with the current ETag" } },
  });
  assert.equal(edited.response.status, 200);
  assert.equal(edited.data?.summary?.["en"], "Edited with the current ETag");

  const publicView = await api.GET("/api/v1/news/{id_or_slug}", {
    params: { path: { id_or_slug: id }, query: { locale: "uk" } },
  });
  assert.ok(publicView.data && "locale" in publicView.data);
  assert.equal(publicView.data.title, "Приклад клієнта");

  const deleted = await api.DELETE("/api/v1/news/{id_or_slug}", {
    headers,
    params: { path: { id_or_slug: id } },
  });
  assert.equal(deleted.response.status, 204);
  const gone = await api.GET("/api/v1/news/{id_or_slug}", { params: { path: { id_or_slug: id } } });
  assert.equal(gone.response.status, 404);
  assert.equal(gone.error?.type, "urn:orgcms:problem:not-found");
}

const email = process.env.ORGCMS_EMAIL;
const password = process.env.ORGCMS_PASSWORD;
assert.ok(email && password, "ORGCMS_EMAIL and ORGCMS_PASSWORD name an editor");
const items = await ukraineNewsInUkrainian();
const all = await allNewsByCursor();
await oneBySlug(items[0]?.slug ?? all[0] ?? "");
await editorRoundTrip(email, password);
console.log(`client: ${all.length} news item(s) paged, one fetched by slug, write round trip done`);
