import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enforceRetention, join, partitionEnd, sql, type DroppedPartition } from '../src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

const DAY_MS = 86_400_000;

/** A fixed "now", at midday UTC so that no row sits on a day boundary. */
const NOW = new Date('2025-03-15T12:00:00Z');

function daysAgo(days: number, hour = 12): Date {
  const d = new Date(NOW.getTime() - days * DAY_MS);
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The partition value as system.parts shows it, whichever quoting the server version uses. */
function unquote(partition: string): string {
  return partition.replace(/^'|'$/g, '');
}

function normalise(dropped: DroppedPartition[]): string[] {
  return dropped.map((d) => `${d.table}:${unquote(d.partition)}`).sort();
}

describe('partitionEnd', () => {
  it('reads a day partition, quoted or not', () => {
    expect(partitionEnd('2026-11-20', 'day')).toEqual(new Date('2026-11-20T00:00:00Z'));
    expect(partitionEnd("'2026-11-20'", 'day')).toEqual(new Date('2026-11-20T00:00:00Z'));
    expect(partitionEnd('2024-02-29', 'day')).toEqual(new Date('2024-02-29T00:00:00Z'));
  });

  it('reads a month partition as the last day of that month', () => {
    expect(partitionEnd('202611', 'month')).toEqual(new Date('2026-11-30T00:00:00Z'));
    expect(partitionEnd('202412', 'month')).toEqual(new Date('2024-12-31T00:00:00Z'));
    expect(partitionEnd('202501', 'month')).toEqual(new Date('2025-01-31T00:00:00Z'));
    expect(partitionEnd('202402', 'month')).toEqual(new Date('2024-02-29T00:00:00Z'));
    expect(partitionEnd('202302', 'month')).toEqual(new Date('2023-02-28T00:00:00Z'));
    expect(partitionEnd("'202302'", 'month')).toEqual(new Date('2023-02-28T00:00:00Z'));
  });

  it('returns undefined for what it does not recognise', () => {
    expect(partitionEnd('tuple()', 'day')).toBeUndefined();
    expect(partitionEnd('', 'day')).toBeUndefined();
    expect(partitionEnd('20261120', 'day')).toBeUndefined();
    expect(partitionEnd('2026-11-20', 'month')).toBeUndefined();
    expect(partitionEnd('202611', 'day')).toBeUndefined();
    expect(partitionEnd('(202611, 3)', 'month')).toBeUndefined();
    expect(partitionEnd('2026-11-20x', 'day')).toBeUndefined();
  });
});

interface LogRow {
  id: number;
  at: Date;
}

interface SampleRow {
  id: number;
  fingerprint: number;
  at: Date;
}

interface SeriesRow {
  fingerprint: number;
  firstSeen: Date;
  lastSeen: Date;
}

/** Log rows: two rows on most days, inserted in two INSERTs so a partition holds several parts. */
const LOG_DAYS = [0, 3, 13, 14, 15, 20, 40];
const LOG_ROWS: LogRow[] = LOG_DAYS.flatMap((days, i) => [
  { id: i * 10 + 1, at: daysAgo(days, 1) },
  { id: i * 10 + 2, at: daysAgo(days, 23) },
]);

/** Sample rows: metricsDays = 30. */
const SAMPLE_DAYS = [0, 3, 20, 29, 30, 31, 40, 75];
const SAMPLE_ROWS: SampleRow[] = SAMPLE_DAYS.map((days, i) => ({
  id: i + 1,
  fingerprint: 100 + i,
  at: daysAgo(days),
}));

/**
 * Series rows, partitioned by toYYYYMM(last_seen). With now = 2025-03-15 and 30 days the
 * cutoff is 2025-02-13: January and older go, February (ending 02-28) stays.
 */
const SERIES_ROWS: SeriesRow[] = [
  { fingerprint: 1, firstSeen: new Date('2025-03-01T00:00:00Z'), lastSeen: new Date('2025-03-15T11:00:00Z') },
  { fingerprint: 2, firstSeen: new Date('2025-01-05T00:00:00Z'), lastSeen: new Date('2025-02-01T00:00:00Z') },
  { fingerprint: 3, firstSeen: new Date('2024-12-01T00:00:00Z'), lastSeen: new Date('2025-01-31T23:59:59Z') },
  { fingerprint: 4, firstSeen: new Date('2024-11-01T00:00:00Z'), lastSeen: new Date('2024-12-20T00:00:00Z') },
  { fingerprint: 5, firstSeen: new Date('2024-01-01T00:00:00Z'), lastSeen: new Date('2024-03-02T00:00:00Z') },
];

async function insertLogs(t: TestDb, rows: LogRow[]): Promise<void> {
  const values = rows.map(
    (r) =>
      sql`(${r.id}, ${r.at}, ${BigInt(r.at.getTime()) * 1_000_000n}, ${'svc'}, ${`log ${r.id} at ${r.at.toISOString()}`})`,
  );
  await t.db.command(
    sql`INSERT INTO logs (id, timestamp, time_unix_nano, service_name, body) VALUES ${join(values, ', ')}`,
  );
}

async function insertSamples(t: TestDb, rows: SampleRow[]): Promise<void> {
  const values = rows.map((r) => sql`(${r.id}, ${'requests_total'}, ${r.fingerprint}, ${r.at})`);
  await t.db.command(
    sql`INSERT INTO metric_samples (id, metric_name, fingerprint, timestamp) VALUES ${join(values, ', ')}`,
  );
}

async function insertSeries(t: TestDb, rows: SeriesRow[]): Promise<void> {
  const values = rows.map((r) => sql`(${r.fingerprint}, ${'requests_total'}, ${r.firstSeen}, ${r.lastSeen})`);
  await t.db.command(
    sql`INSERT INTO metric_series (fingerprint, metric_name, first_seen, last_seen) VALUES ${join(values, ', ')}`,
  );
}

async function logIdsByDay(t: TestDb): Promise<Record<string, number[]>> {
  const rows = await t.db.query<{ day: string; ids: Array<number | string> }>(
    sql`SELECT toString(toDate(timestamp)) AS day, groupArray(id) AS ids FROM logs GROUP BY day ORDER BY day`,
  );
  return Object.fromEntries(rows.map((r) => [r.day, r.ids.map(Number).sort((a, b) => a - b)]));
}

async function sampleIdsByDay(t: TestDb): Promise<Record<string, number[]>> {
  const rows = await t.db.query<{ day: string; ids: Array<number | string> }>(
    sql`SELECT toString(toDate(timestamp)) AS day, groupArray(id) AS ids FROM metric_samples GROUP BY day ORDER BY day`,
  );
  return Object.fromEntries(rows.map((r) => [r.day, r.ids.map(Number).sort((a, b) => a - b)]));
}

async function seriesFingerprints(t: TestDb): Promise<number[]> {
  const rows = await t.db.query<{ fingerprint: number | string }>(
    sql`SELECT fingerprint FROM metric_series FINAL ORDER BY fingerprint`,
  );
  return rows.map((r) => Number(r.fingerprint));
}

async function activePartitions(t: TestDb, table: string): Promise<string[]> {
  const rows = await t.db.query<{ partition: string }>(
    sql`SELECT DISTINCT partition FROM system.parts WHERE database = ${t.database} AND table = ${table} AND active ORDER BY partition`,
  );
  return rows.map((r) => unquote(r.partition));
}

/** Expected state, from the fixtures: which ids remain on which day. */
function expectedByDay<T extends { at: Date }>(rows: T[], keep: (r: T) => boolean, id: (r: T) => number) {
  const out: Record<string, number[]> = {};
  for (const r of rows.filter(keep)) (out[isoDay(r.at)] ??= []).push(id(r));
  for (const ids of Object.values(out)) ids.sort((a, b) => a - b);
  return out;
}

describe('enforceRetention against ClickHouse', () => {
  let t: TestDb;
  let firstRun: DroppedPartition[];
  let logsBefore: Record<string, number[]>;

  beforeAll(async () => {
    t = await createTestDb();
    // Two INSERTs per table: several parts per partition, one drop per partition.
    await insertLogs(
      t,
      LOG_ROWS.filter((r) => r.id % 2 === 1),
    );
    await insertLogs(
      t,
      LOG_ROWS.filter((r) => r.id % 2 === 0),
    );
    await insertSamples(t, SAMPLE_ROWS.slice(0, 4));
    await insertSamples(t, SAMPLE_ROWS.slice(4));
    await insertSeries(t, SERIES_ROWS.slice(0, 2));
    await insertSeries(t, SERIES_ROWS.slice(2));
    logsBefore = await logIdsByDay(t);
  });

  afterAll(async () => {
    await t.drop();
  });

  it('starts from the fixtures as inserted', async () => {
    expect(logsBefore).toEqual(
      expectedByDay(
        LOG_ROWS,
        () => true,
        (r) => r.id,
      ),
    );
    expect(Object.keys(logsBefore)).toHaveLength(LOG_DAYS.length);
    expect(await sampleIdsByDay(t)).toEqual(
      expectedByDay(
        SAMPLE_ROWS,
        () => true,
        (r) => r.id,
      ),
    );
    expect(await seriesFingerprints(t)).toEqual([1, 2, 3, 4, 5]);
    expect(await activePartitions(t, 'metric_series')).toEqual([
      '202403',
      '202412',
      '202501',
      '202502',
      '202503',
    ]);
  });

  it('drops exactly the partitions older than the retention', async () => {
    firstRun = await enforceRetention(t.db, { logsDays: 14, metricsDays: 30 }, NOW);
    // logs: cutoff 2025-03-01 (14 days before 2025-03-15); samples: cutoff 2025-02-13.
    expect(normalise(firstRun)).toEqual([
      'logs:2025-02-03',
      'logs:2025-02-23',
      'logs:2025-02-28',
      // The rollups (fed from the samples by their views): day partitions for 1m, months for 1h.
      'metric_rollup_1h:202412',
      'metric_rollup_1m:2024-12-30',
      'metric_rollup_1m:2025-02-03',
      'metric_rollup_1m:2025-02-12',
      'metric_samples:2024-12-30',
      'metric_samples:2025-02-03',
      'metric_samples:2025-02-12',
      'metric_series:202403',
      'metric_series:202412',
      'metric_series:202501',
    ]);
    // One entry per partition, although each had several parts.
    expect(new Set(normalise(firstRun)).size).toBe(firstRun.length);
  });

  it('keeps every log row inside the retention, untouched', async () => {
    const keptDays = LOG_DAYS.filter((d) => d <= 14).map((d) => isoDay(daysAgo(d)));
    expect(keptDays).toEqual(['2025-03-15', '2025-03-12', '2025-03-02', '2025-03-01']);
    const after = await logIdsByDay(t);
    expect(after).toEqual(Object.fromEntries(keptDays.map((day) => [day, logsBefore[day]])));
    expect(await activePartitions(t, 'logs')).toEqual([...keptDays].sort());

    // The surviving rows are the very rows inserted, column for column.
    const rows = await t.db.query<{ id: number | string; ts: number | string; ns: string; body: string }>(
      sql`SELECT id, toUInt32(timestamp) AS ts, toString(time_unix_nano) AS ns, body FROM logs ORDER BY id`,
    );
    const kept = LOG_ROWS.filter((r) => keptDays.includes(isoDay(r.at)));
    expect(rows.map((r) => ({ id: Number(r.id), ts: Number(r.ts), ns: r.ns, body: r.body }))).toEqual(
      kept.map((r) => ({
        id: r.id,
        ts: r.at.getTime() / 1000,
        ns: (BigInt(r.at.getTime()) * 1_000_000n).toString(),
        body: `log ${r.id} at ${r.at.toISOString()}`,
      })),
    );
  });

  it('keeps samples up to 30 days old and series seen since the cutoff month', async () => {
    const cutoff = Date.UTC(2025, 1, 13);
    expect(await sampleIdsByDay(t)).toEqual(
      expectedByDay(
        SAMPLE_ROWS,
        (r) => r.at.getTime() >= cutoff,
        (r) => r.id,
      ),
    );
    expect(Object.keys(await sampleIdsByDay(t))).toEqual([
      '2025-02-13',
      '2025-02-14',
      '2025-02-23',
      '2025-03-12',
      '2025-03-15',
    ]);
    expect(await seriesFingerprints(t)).toEqual([1, 2]);
    expect(await activePartitions(t, 'metric_series')).toEqual(['202502', '202503']);
    expect(await activePartitions(t, 'metric_rollup_1m')).toEqual(Object.keys(await sampleIdsByDay(t)));
    expect(await activePartitions(t, 'metric_rollup_1h')).toEqual(['202502', '202503']);
  });

  it('drops nothing more when run again', async () => {
    const logs = await logIdsByDay(t);
    const samples = await sampleIdsByDay(t);
    const second = await enforceRetention(t.db, { logsDays: 14, metricsDays: 30 }, NOW);
    expect(second).toEqual([]);
    expect(await logIdsByDay(t)).toEqual(logs);
    expect(await sampleIdsByDay(t)).toEqual(samples);
    expect(await seriesFingerprints(t)).toEqual([1, 2]);
  });

  it('drops the next day once the clock moves past it', async () => {
    // One day later, 2025-03-01 falls out of the 14-day log window; metrics cutoff 2025-02-14.
    const later = new Date(NOW.getTime() + DAY_MS);
    const dropped = await enforceRetention(t.db, { logsDays: 14, metricsDays: 30 }, later);
    expect(normalise(dropped)).toEqual([
      'logs:2025-03-01',
      'metric_rollup_1m:2025-02-13',
      'metric_samples:2025-02-13',
    ]);
    expect(Object.keys(await logIdsByDay(t))).toEqual(['2025-03-02', '2025-03-12', '2025-03-15']);
  });

  it('leaves other databases alone', async () => {
    const other = await createTestDb();
    try {
      await insertLogs(other, [{ id: 1, at: daysAgo(40) }]);
      await enforceRetention(t.db, { logsDays: 1, metricsDays: 1 }, NOW);
      expect(Object.keys(await logIdsByDay(other))).toEqual([isoDay(daysAgo(40))]);
    } finally {
      await other.drop();
    }
  });
});
