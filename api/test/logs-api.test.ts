import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger, sql } from '../../core/src/index.ts';
import { buildApp } from '../src/index.ts';
import { parseTeamsFile } from '../src/access/teams-file.ts';
import { tokenDigest } from '../src/access/principal.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

const TOKENS = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789',
  root: 'root-token-0123456789',
};
const teams = parseTeamsFile(`
teams:
  team-a:
    services:
      - svc-a
      - service: svc-shared
        environments: [staging]
  team-b:
    services: [svc-b]
members:
  - name: alice
    teams: [team-a]
    tokenSha256: ${tokenDigest(TOKENS.alice)}
  - name: bob
    teams: [team-b]
    tokenSha256: ${tokenDigest(TOKENS.bob)}
  - name: root
    role: admin
    tokenSha256: ${tokenDigest(TOKENS.root)}
`);

const ALLOWED_A = (service: string, env: string) =>
  service === 'svc-a' || (service === 'svc-shared' && env === 'staging');

interface Row {
  service: string;
  env: string;
  body: string;
  sev: number;
  secondsAgo: number;
  attrs?: Record<string, string>;
}

async function insert(t: TestDb, rows: Row[], idBase: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const values = rows.map((r, i) => {
    const sec = now - r.secondsAgo;
    const keys = Object.keys(r.attrs ?? {});
    const vals = Object.values(r.attrs ?? {});
    return sql`(${idBase + i}, toDateTime(${sec}), ${BigInt(sec) * 1_000_000_000n + BigInt(i)}, ${r.sev}, ${r.service}, ${r.env}, ${r.body}, ${keys}, ${vals}, 'inst-1')`;
  });
  let text =
    sql`INSERT INTO logs (id, timestamp, time_unix_nano, severity_number, service_name, environment, body, attr_keys, attr_values, service_instance_id) VALUES `
      .text;
  text += values.map((v) => v.text).join(', ');
  await t.db.command({ text } as never);
}

describe('logs API', () => {
  let t: TestDb;
  let app: FastifyInstance;
  const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });

  beforeAll(async () => {
    t = await createTestDb();
    const rows: Row[] = [];
    for (let i = 0; i < 40; i++) {
      rows.push({
        service: 'svc-a',
        env: 'production',
        body: `a request ${i} ok`,
        sev: i % 10 === 0 ? 17 : 9,
        secondsAgo: 10 + i,
        attrs: { 'http.route': '/a', secret: 'none' },
      });
      rows.push({
        service: 'svc-b',
        env: 'production',
        body: `b secret payload ${i} svc-a`,
        sev: 17,
        secondsAgo: 10 + i,
        attrs: { 'http.route': '/b', secret: 'b-only' },
      });
      rows.push({
        service: 'svc-shared',
        env: i % 2 ? 'staging' : 'production',
        body: `shared ${i}`,
        sev: 13,
        secondsAgo: 10 + i,
        attrs: { 'http.route': '/s' },
      });
    }
    await insert(t, rows, 1000);
    app = await buildApp({
      db: t.db,
      logger: createLogger('test', 'silent'),
      access: { teams },
      tail: { pollMs: 100 },
    });
  });

  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  const get = (url: string, who: keyof typeof TOKENS = 'alice') =>
    app.inject({ method: 'GET', url, headers: auth(who) });

  it('answers 401 without credentials and 401 for an unknown token', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/logs/search' })).statusCode).toBe(401);
    const res = await app.inject({
      method: 'GET',
      url: '/api/logs/search',
      headers: { authorization: 'Bearer nope' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'HUB_API_UNAUTHENTICATED' });
  });

  const CRAFTED = [
    '',
    'service:svc-b',
    'service:svc-b OR service:svc-a',
    '-service:svc-a',
    'NOT service:svc-a',
    '"svc-b"',
    'svc-a',
    'secret:b-only',
    'env:production',
    'service:*',
    'service:svc-*',
    'service:"svc-b" OR (env:production AND NOT service:svc-a)',
    "') OR 1=1 --",
    '" OR 1=1 OR "',
    'service:svc-a\\) OR \\(1',
    'service.name:svc-b',
    'deployment.environment:production',
  ];

  it.each(CRAFTED)('never returns another team’s record for %j', async (q) => {
    const res = await get(`/api/logs/search?q=${encodeURIComponent(q)}&from=now-1h&limit=1000`);
    if (res.statusCode === 400) return; // a syntax error leaks nothing either
    expect(res.statusCode).toBe(200);
    const { records } = res.json() as { records: Array<{ service: string; environment: string }> };
    for (const r of records)
      expect(ALLOWED_A(r.service, r.environment), `${r.service}/${r.environment}`).toBe(true);
    const hist = await get(`/api/logs/histogram?q=${encodeURIComponent(q)}&from=now-1h`);
    const facets = await get(`/api/logs/facets?q=${encodeURIComponent(q)}&from=now-1h&field=service`);
    const allowedTotal = records.length;
    const histTotal = hist
      .json<{ buckets: Array<{ total: number }> }>()
      .buckets.reduce((n, b) => n + b.total, 0);
    expect(histTotal).toBe(allowedTotal);
    const values = facets.json<{ values: Array<{ value: string }> }>().values.map((v) => v.value);
    expect(values.every((v) => v === 'svc-a' || v === 'svc-shared')).toBe(true);
  });

  it('sees exactly its own services: 40 svc-a records and 20 staging svc-shared records', async () => {
    const res = await get('/api/logs/search?from=now-1h&limit=1000');
    const records = (res.json() as { records: Array<{ service: string; environment: string }> }).records;
    expect(records.filter((r) => r.service === 'svc-a')).toHaveLength(40);
    expect(records.filter((r) => r.service === 'svc-shared')).toHaveLength(20);
    expect(records).toHaveLength(60);
  });

  it('hides other teams’ records by id and in the services catalog', async () => {
    const bobs = (await get('/api/logs/search?from=now-1h&limit=5', 'bob')).json() as {
      records: Array<{ id: string }>;
    };
    expect(bobs.records.length).toBe(5);
    for (const r of bobs.records) {
      expect((await get(`/api/logs/records/${r.id}`)).statusCode).toBe(404);
      expect((await get(`/api/logs/records/${r.id}/context`)).statusCode).toBe(404);
      expect((await get(`/api/logs/records/${r.id}`, 'bob')).statusCode).toBe(200);
    }
    const services = (await get('/api/services')).json() as {
      services: Array<{ service: string; environments: string[] }>;
    };
    expect(services.services.map((s) => s.service).sort()).toEqual(['svc-a', 'svc-shared']);
    expect(services.services.find((s) => s.service === 'svc-shared')?.environments).toEqual(['staging']);
    const all = (await get('/api/services', 'root')).json() as { services: Array<{ service: string }> };
    expect(all.services.map((s) => s.service).sort()).toEqual(['svc-a', 'svc-b', 'svc-shared']);
  });

  it('rejects a forged record id as not found', async () => {
    const forged = Buffer.from('1.1.svc-b').toString('base64url');
    expect((await get(`/api/logs/records/${forged}`)).statusCode).toBe(404);
    expect((await get(`/api/logs/records/${encodeURIComponent("'; DROP TABLE logs")}`)).statusCode).toBe(404);
  });

  it('paginates newest first with a cursor, without repeats or gaps while records arrive', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `/api/logs/search?from=now-1h&limit=25&q=service:svc-a${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await get(url)).json() as {
        records: Array<{ id: string; timeUnixNano: string }>;
        nextCursor: string | null;
      };
      seen.push(...page.records.map((r) => r.id));
      const times = page.records.map((r) => BigInt(r.timeUnixNano));
      for (let i = 1; i < times.length; i++) expect(times[i]! <= times[i - 1]!).toBe(true);
      cursor = page.nextCursor;
      if (pages === 0) {
        // New records arrive between pages: newer ones must not shift the following pages.
        await insert(
          t,
          [{ service: 'svc-a', env: 'production', body: 'late arrival', sev: 9, secondsAgo: 1 }],
          90_000,
        );
      }
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(40);
  });

  it('answers a syntax error with 400, the position and what was expected', async () => {
    const res = await get(`/api/logs/search?q=${encodeURIComponent('service:')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'HUB_QUERY_SYNTAX', position: 8, expected: ['a value'] });
    const bad = await get('/api/logs/search?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'HUB_API_BAD_REQUEST' });
  });

  it('counts by severity in the histogram and lists facet values of attributes', async () => {
    const hist = (await get('/api/logs/histogram?from=now-1h&q=service:svc-a', 'alice').then((r) =>
      r.json(),
    )) as {
      buckets: Array<{ counts: Record<string, number> }>;
    };
    const sum = (g: string) => hist.buckets.reduce((n, b) => n + (b.counts[g] ?? 0), 0);
    expect(sum('error')).toBe(4);
    expect(sum('info')).toBeGreaterThanOrEqual(36);
    const facets = (await get('/api/logs/facets?from=now-1h&field=http.route', 'root').then((r) =>
      r.json(),
    )) as {
      values: Array<{ value: string; count: number }>;
      total: number;
    };
    expect(facets.values).toEqual(
      expect.arrayContaining([
        { value: '/a', count: 40 },
        { value: '/b', count: 40 },
        { value: '/s', count: 40 },
      ]),
    );
  });

  it('returns context from the same instance around a record', async () => {
    const page = (await get('/api/logs/search?from=now-1h&limit=50&q=service:svc-a')).json() as {
      records: Array<{ id: string; body: string }>;
    };
    const middle = page.records[20]!;
    const ctx = (await get(`/api/logs/records/${middle.id}/context?before=5&after=5`)).json() as {
      record: { body: string };
      before: Array<{ body: string }>;
      after: Array<{ body: string }>;
    };
    expect(ctx.record.body).toBe(middle.body);
    expect(ctx.before).toHaveLength(5);
    expect(ctx.after).toHaveLength(5);
    expect(ctx.before.map((r) => r.body)).toEqual(page.records.slice(21, 26).map((r) => r.body));
  });

  it('signs in with a token into an httpOnly SameSite=Strict session cookie', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { token: TOKENS.alice } });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/hub_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const who = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect(who.json()).toMatchObject({ name: 'alice', teams: ['team-a'], admin: false });
    // Change a character of the signed payload (the signature's last base64url character
    // carries padding bits, so changing it can leave the bytes the same).
    const tampered = cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'e' ? 'f' : 'e'}`);
    expect(
      (await app.inject({ method: 'GET', url: '/api/logs/search', headers: { cookie: tampered } }))
        .statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ method: 'POST', url: '/api/session', payload: { token: 'wrong' } })).statusCode,
    ).toBe(401);
  });

  it('live-tails new matching records over Server-Sent Events, only from the caller’s services', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/logs/tail?q=${encodeURIComponent('tailme')}`, {
      headers: auth('alice'),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const received: Array<{ service: string; body: string }> = [];
    const reading = (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += new TextDecoder().decode(value);
        let idx;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (event.startsWith('event: record') && data)
            received.push(JSON.parse(data) as { service: string; body: string });
        }
      }
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 400)); // the first poll sets the baseline
    await insert(
      t,
      [
        { service: 'svc-a', env: 'production', body: 'tailme from a', sev: 9, secondsAgo: 0 },
        { service: 'svc-b', env: 'production', body: 'tailme from b', sev: 9, secondsAgo: 0 },
      ],
      95_000,
    );
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500)); // a later poll must not repeat it or add b's
    controller.abort();
    await reading;
    expect(received.map((r) => r.body)).toEqual(['tailme from a']);
  });
});
