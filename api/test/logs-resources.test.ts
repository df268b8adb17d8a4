import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger, join, migrate, MIGRATIONS, sql, type Db } from '../../core/src/index.ts';
import { buildApp } from '../src/index.ts';
import { parseTeamsFile } from '../src/access/teams-file.ts';
import { tokenDigest } from '../src/access/principal.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

/**
 * The logs API reads resource attributes only through log_resources: rows
 * stored before migration 9 (resource arrays in logs, fingerprint from the
 * column's DEFAULT, log_resources filled by the migration's backfill) and rows
 * written since (a fingerprint, empty arrays) answer alike.
 */
const TOKENS = { alice: 'alice-token-0123456789', root: 'root-token-0123456789' };
const teams = parseTeamsFile(`
teams:
  team-a:
    services: [svc-a]
members:
  - name: alice
    teams: [team-a]
    tokenSha256: ${tokenDigest(TOKENS.alice)}
  - name: root
    role: admin
    tokenSha256: ${tokenDigest(TOKENS.root)}
`);

interface Row {
  id: number;
  secondsAgo: number;
  service: string;
  body: string;
  attrs?: Record<string, string>;
  /** Legacy rows: stored in logs. Current rows: in log_resources under `fingerprint`. */
  resource?: Record<string, string>;
  fingerprint?: bigint;
}

const POD_OLD = { 'service.name': 'svc-a', 'k8s.pod.name': 'pod-old', region: 'eu' };
const POD_NEW = { 'service.name': 'svc-a', 'k8s.pod.name': 'pod-new', region: 'eu' };
const NEW_FP = 9_876_543_210_123_456_789n; // above 2^63: UInt64 all the way
const ORPHAN_FP = 12_345n; // no log_resources row

/** Written before migration 9, in the old layout. */
const LEGACY: Row[] = [
  { id: 1, secondsAgo: 70, service: 'svc-a', body: 'old one', resource: POD_OLD, attrs: { route: '/x' } },
  { id: 2, secondsAgo: 60, service: 'svc-a', body: 'old two', resource: POD_OLD },
  {
    id: 3,
    secondsAgo: 55,
    service: 'svc-b',
    body: 'old b',
    resource: { 'service.name': 'svc-b', region: 'us' },
  },
];

/** Written after it, as the collector does now. */
const CURRENT: Row[] = [
  {
    id: 4,
    secondsAgo: 50,
    service: 'svc-a',
    body: 'new one',
    fingerprint: NEW_FP,
    attrs: { region: 'attr-eu' },
  },
  {
    id: 5,
    secondsAgo: 40,
    service: 'svc-a',
    body: 'new two',
    fingerprint: NEW_FP,
    attrs: { region: 'attr-eu' },
  },
  { id: 6, secondsAgo: 30, service: 'svc-a', body: 'new orphan', fingerprint: ORPHAN_FP },
  { id: 7, secondsAgo: 20, service: 'svc-a', body: 'refreshed', fingerprint: 777n },
];

function common(r: Row, nowSec: number) {
  const sec = nowSec - r.secondsAgo;
  return sql`${r.id}, toDateTime(${sec}), ${BigInt(sec) * 1_000_000_000n}, 9, ${r.service}, 'production',
    ${r.body}, ${Object.keys(r.attrs ?? {})}, ${Object.values(r.attrs ?? {})}, 'inst-1'`;
}

const COLUMNS = sql`id, timestamp, time_unix_nano, severity_number, service_name, environment, body, attr_keys, attr_values, service_instance_id`;

async function insertLegacy(db: Db, rows: Row[], nowSec: number): Promise<void> {
  const values = rows.map((r) => {
    const res = r.resource ?? {};
    return sql`(${common(r, nowSec)}, ${Object.keys(res)}, ${Object.values(res)})`;
  });
  await db.command(
    sql`INSERT INTO logs (${COLUMNS}, resource_keys, resource_values) VALUES ${join(values, ', ')}`,
  );
}

async function insertCurrent(db: Db, rows: Row[], nowSec: number): Promise<void> {
  const values = rows.map((r) => sql`(${common(r, nowSec)}, ${r.fingerprint ?? 0n})`);
  await db.command(sql`INSERT INTO logs (${COLUMNS}, resource_fingerprint) VALUES ${join(values, ', ')}`);
}

async function insertResource(
  db: Db,
  fingerprint: bigint,
  resource: Record<string, string>,
  lastSeenSec: number,
): Promise<void> {
  await db.command(
    sql`INSERT INTO log_resources (fingerprint, service_name, environment, resource_keys, resource_values, first_seen, last_seen)
        VALUES (${fingerprint}, 'svc-a', 'production', ${Object.keys(resource)}, ${Object.values(resource)},
                toDateTime(${lastSeenSec - 7200}), toDateTime(${lastSeenSec}))`,
  );
}

describe('logs API over log_resources', () => {
  let t: TestDb;
  let app: FastifyInstance;
  const nowSec = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
    const config = { logsDays: 14, metricsDays: 30 };
    await migrate(
      t.db,
      config,
      MIGRATIONS.filter((m) => m.version < 9),
    );
    await insertLegacy(t.db, LEGACY, nowSec);
    await migrate(t.db, config);
    await insertCurrent(t.db, CURRENT, nowSec);
    // First sighting and an hourly refresh of the new resource (two rows until a merge).
    await insertResource(t.db, NEW_FP, POD_NEW, nowSec - 3600);
    await insertResource(t.db, NEW_FP, POD_NEW, nowSec);
    // Two versions under one fingerprint: the newest (last_seen) is the one read.
    await insertResource(t.db, 777n, { stage: 'new' }, nowSec);
    await insertResource(t.db, 777n, { stage: 'old' }, nowSec - 3600);
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
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKENS[who]}` } });

  interface ApiRecord {
    id: string;
    body: string;
    attributes: Record<string, string>;
    resource: Record<string, string>;
  }

  async function search(q: string, who: keyof typeof TOKENS = 'alice'): Promise<ApiRecord[]> {
    const res = await get(`/api/logs/search?from=now-1h&q=${encodeURIComponent(q)}`, who);
    expect(res.statusCode).toBe(200);
    return (res.json() as { records: ApiRecord[] }).records;
  }

  const EXPECTED_RESOURCE: Record<string, Record<string, string>> = {
    'old one': POD_OLD,
    'old two': POD_OLD,
    'old b': { 'service.name': 'svc-b', region: 'us' },
    'new one': POD_NEW,
    'new two': POD_NEW,
    'new orphan': {},
    refreshed: { stage: 'new' },
  };

  it('answers each record with its resource, from either layout; an unknown resource is {}', async () => {
    const records = await search('', 'root');
    expect(records.map((r) => r.body)).toEqual([
      'refreshed',
      'new orphan',
      'new two',
      'new one',
      'old b',
      'old two',
      'old one',
    ]);
    for (const r of records) expect(r.resource).toEqual(EXPECTED_RESOURCE[r.body]);
    expect(records.find((r) => r.body === 'new one')?.attributes).toEqual({ region: 'attr-eu' });
  });

  it('finds records by resource attributes in both layouts, within the caller’s services', async () => {
    const bodies = async (q: string, who: keyof typeof TOKENS = 'alice') =>
      (await search(q, who)).map((r) => r.body).sort();
    expect(await bodies('k8s.pod.name:*')).toEqual(['new one', 'new two', 'old one', 'old two']);
    expect(await bodies('k8s.pod.name:pod-old')).toEqual(['old one', 'old two']);
    expect(await bodies('k8s.pod.name:pod-n*')).toEqual(['new one', 'new two']);
    expect(await bodies('region:eu')).toEqual(['new one', 'new two', 'old one', 'old two']);
    expect(await bodies('region:attr-eu')).toEqual(['new one', 'new two']);
    expect(await bodies('region:us')).toEqual([]);
    expect(await bodies('region:us', 'root')).toEqual(['old b']);
    expect(await bodies('-k8s.pod.name:* service:svc-a')).toEqual(['new orphan', 'refreshed']);
  });

  it('pages with resources on every page', async () => {
    const first = await get('/api/logs/search?from=now-1h&limit=3', 'root');
    const page1 = first.json() as { records: ApiRecord[]; nextCursor: string };
    const second = await get(
      `/api/logs/search?from=now-1h&limit=3&cursor=${encodeURIComponent(page1.nextCursor)}`,
      'root',
    );
    const page2 = second.json() as { records: ApiRecord[] };
    for (const r of [...page1.records, ...page2.records])
      expect(r.resource).toEqual(EXPECTED_RESOURCE[r.body]);
    expect(page2.records.map((r) => r.body)).toEqual(['new one', 'old b', 'old two']);
  });

  it('returns one record and its context with their resources', async () => {
    const records = await search('', 'root');
    const id = records.find((r) => r.body === 'new one')?.id as string;
    const one = (await get(`/api/logs/records/${id}`)).json() as ApiRecord;
    expect(one.resource).toEqual(POD_NEW);
    const ctx = (await get(`/api/logs/records/${id}/context?before=5&after=5`)).json() as {
      record: ApiRecord;
      before: ApiRecord[];
      after: ApiRecord[];
    };
    expect(ctx.record.resource).toEqual(POD_NEW);
    expect(ctx.before.map((r) => [r.body, r.resource])).toEqual([
      ['old two', POD_OLD],
      ['old one', POD_OLD],
    ]);
    expect(ctx.after.map((r) => [r.body, r.resource])).toEqual([
      ['new two', POD_NEW],
      ['new orphan', {}],
      ['refreshed', { stage: 'new' }],
    ]);
  });

  async function facet(field: string, q = '', who: keyof typeof TOKENS = 'alice') {
    const res = await get(
      `/api/logs/facets?from=now-1h&field=${encodeURIComponent(field)}&q=${encodeURIComponent(q)}`,
      who,
    );
    expect(res.statusCode).toBe(200);
    return (res.json() as { values: Array<{ value: string; count: number }> }).values;
  }

  it('counts attribute facet values over record and resource attributes, old and new rows alike', async () => {
    expect(await facet('k8s.pod.name')).toEqual([
      { value: 'pod-new', count: 2 },
      { value: 'pod-old', count: 2 },
    ]);
    // region is a resource attribute of four records and a record attribute of two of them.
    expect(await facet('region')).toEqual([
      { value: 'eu', count: 4 },
      { value: 'attr-eu', count: 2 },
    ]);
    expect(await facet('region', '', 'root')).toEqual([
      { value: 'eu', count: 4 },
      { value: 'attr-eu', count: 2 },
      { value: 'us', count: 1 },
    ]);
    expect(await facet('region', 'k8s.pod.name:pod-old OR body:orphan')).toEqual([{ value: 'eu', count: 2 }]);
    expect(await facet('route')).toEqual([{ value: '/x', count: 1 }]);
    expect(await facet('stage')).toEqual([{ value: 'new', count: 1 }]);
    expect(await facet('missing')).toEqual([]);
  });

  it('live-tails new records with their resources', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/logs/tail?q=${encodeURIComponent('tailres')}`, {
      headers: { authorization: `Bearer ${TOKENS.alice}` },
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const received: ApiRecord[] = [];
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
          if (event.startsWith('event: record') && data) received.push(JSON.parse(data) as ApiRecord);
        }
      }
    })().catch(() => undefined);
    // Records that arrive before the tail's first poll are its baseline and not sent:
    // keep writing new ones until one comes through.
    const sent = new Map<string, Record<string, string>>();
    const write = async (id: number, body: string, fingerprint: bigint) => {
      sent.set(body, fingerprint === NEW_FP ? POD_NEW : {});
      await insertCurrent(
        t.db,
        [{ id, secondsAgo: 0, service: 'svc-a', body, fingerprint }],
        Math.floor(Date.now() / 1000),
      );
    };
    const waitFor = async (n: number) => {
      const until = Date.now() + 10_000;
      while (received.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    };
    for (let i = 0; i < 50 && received.length === 0; i++) {
      await write(10_000 + i, `tailres ${i}`, NEW_FP);
      const until = Date.now() + 1000;
      while (received.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    }
    // Then a known resource again (the stream's cache) and an unknown one.
    const before = received.length;
    await write(20_000, 'tailres known', NEW_FP);
    await write(20_001, 'tailres orphan', ORPHAN_FP);
    await waitFor(before + 2);
    controller.abort();
    await reading;
    expect(received.length).toBeGreaterThan(0);
    expect(received.slice(-2).map((r) => r.body)).toEqual(['tailres known', 'tailres orphan']);
    for (const r of received) expect(r.resource).toEqual(sent.get(r.body));
  });
});
