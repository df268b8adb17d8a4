import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  connectClickHouse,
  freePort,
  ident,
  migrate,
  qualified,
  sql,
  type Db,
  type LocalClickHouse,
} from '../../core/src/index.ts';
import type { RunResult } from './load-client.ts';
import type { BenchOptions } from './options.ts';
import {
  LoadClient,
  RssSampler,
  cpuByThread,
  cpuOf,
  cpuSecondsOf,
  memoryOf,
  startCollector,
  type CollectorProcess,
} from './processes.ts';

/** What one end-to-end run measured. */
export interface IngestResult {
  name: string;
  kind: 'logs' | 'metrics';
  concurrency: number;
  wireBytesPerItem: number;
  /** First request sent until every acknowledged item is counted in ClickHouse and no merge of the table runs. */
  seconds: number;
  items: number;
  /** Items acknowledged (and counted in ClickHouse) during the untimed warm-up before the run. */
  warmupItems: number;
  itemsPerSecond: number;
  /** Acknowledgements only (until the last 200). */
  ackItemsPerSecond: number;
  run: RunResult;
  /** RSS right after start-up (before any request). */
  startRssBytes: number;
  peakRssBytes: number;
  hwmBytes: number;
  collectorCpuSeconds: number;
  /** The kernel's share of collectorCpuSeconds (socket and WAL I/O). */
  collectorSystemCpuSeconds: number;
  /** collectorCpuSeconds by thread kind (main, V8 helpers, libuv pool). */
  collectorCpuByThread: Record<string, number>;
  clickhouseCpuSeconds: number;
  /** Rows counted after the collector stopped vs rows acknowledged over the whole run (warm-up included). */
  countedRows: number;
  expectedRows: number;
}

export interface ScenarioContext {
  clickhouse: LocalClickHouse;
  options: BenchOptions;
  baseNs: bigint;
}

export async function openDb(clickhouse: LocalClickHouse, database: string): Promise<Db> {
  return connectClickHouse({
    url: clickhouse.url,
    database,
    username: 'default',
    password: '',
    createDatabase: true,
  });
}

export async function countRows(db: Db, table: string): Promise<number> {
  const rows = await db.query<{ c: string }>(sql`SELECT count() AS c FROM ${qualified(db.database, table)}`);
  return Number(rows[0]?.c ?? 0);
}

/** Polls `check` every 25 ms until it answers undefined; throws its last answer after timeoutMs. */
async function pollUntil(check: () => Promise<string | undefined>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await check();
    if (waiting === undefined) return;
    if (Date.now() > deadline) throw new Error(`${waiting} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until no merge of the table is running (twice in a row, 25 ms apart).
 * Both the logs run and the raw reference end their timed window here, so each
 * pays for the merges its rows set off instead of leaving them to whoever
 * comes next: where a large merge happens to fall otherwise decides a round.
 */
export async function waitForMerges(db: Db, table: string): Promise<void> {
  let quiet = 0;
  await pollUntil(async () => {
    const rows = await db.query<{ c: string }>(
      sql`SELECT count() AS c FROM system.merges WHERE database = ${db.database} AND table = ${table}`,
    );
    quiet = Number(rows[0]?.c ?? 0) === 0 ? quiet + 1 : 0;
    return quiet < 2 ? `${table}: merges still running` : undefined;
  });
}

/** Waits until the table holds `expected` rows and its merges are done (the end of a run or a warm-up). */
async function waitForSettled(db: Db, table: string, expected: number): Promise<void> {
  await pollUntil(async () => {
    const n = await countRows(db, table);
    return n >= expected ? undefined : `${table}: ${n} rows, expected ${expected},`;
  });
  await waitForMerges(db, table);
}

export async function dropDatabase(db: Db): Promise<void> {
  await db.command(sql`DROP DATABASE IF EXISTS ${ident(db.database)}`);
  await db.close();
}

export interface IngestScenario {
  name: string;
  kind: 'logs' | 'metrics';
  database: string;
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  /** 0: the client honours Retry-After. */
  retryDelayMs: number;
  collectorEnv?: Record<string, string>;
  /** Started when the timed run starts; the returned function ends it. */
  during?: () => () => void;
}

/** Collector child + load client child: warm-up, then a timed run measured until ClickHouse has every row. */
export async function runIngest(ctx: ScenarioContext, s: IngestScenario): Promise<IngestResult> {
  const table = s.kind === 'logs' ? 'logs' : 'metric_samples';
  const db = await openDb(ctx.clickhouse, s.database);
  await migrate(db, { logsDays: 14, metricsDays: 30 });
  const walDir = mkdtempSync(path.join(tmpdir(), 'hub-bench-wal-'));
  let collector: CollectorProcess | undefined;
  let sampler: RssSampler | undefined;
  let client: LoadClient | undefined;
  let stopDuring: (() => void) | undefined;
  try {
    collector = await startCollector({
      clickhouseUrl: ctx.clickhouse.url,
      database: s.database,
      httpPort: await freePort(),
      grpcPort: await freePort(),
      walDir,
      nodeArgs: ctx.options.collectorNodeArgs,
      main: ctx.options.collectorMain,
      ...(s.collectorEnv ? { env: s.collectorEnv } : {}),
      ...(ctx.options.cpuProfDir ? { cpuProfDir: path.resolve(ctx.options.cpuProfDir, s.name) } : {}),
    });
    const startRssBytes = memoryOf(collector.pid).rss;
    sampler = new RssSampler(collector.pid);
    client = await LoadClient.start({
      kind: s.kind,
      url: collector.url,
      distinctRequests: ctx.options.distinctRequests,
      recordsPerRequest: ctx.options.recordsPerRequest,
      baseNs: ctx.baseNs.toString(),
      seed: 1,
    });
    let expected = 0;
    if (s.warmupSeconds > 0) {
      const warm = await client.run({
        seconds: s.warmupSeconds,
        concurrency: s.concurrency,
        retryDelayMs: s.retryDelayMs,
      });
      if (warm.otherStatus > 0 || warm.networkErrors > 0)
        throw new Error(`warm-up failed: ${warm.firstError}`);
      expected += warm.ackedItems;
      await waitForSettled(db, table, expected);
    }
    const collectorCpu0 = cpuOf(collector.pid);
    const threads0 = cpuByThread(collector.pid);
    const clickhouseCpu0 = cpuSecondsOf(ctx.clickhouse.pid);
    stopDuring = s.during?.();
    const run = await client.run({
      seconds: s.seconds,
      concurrency: s.concurrency,
      retryDelayMs: s.retryDelayMs,
    });
    stopDuring?.();
    stopDuring = undefined;
    expected += run.ackedItems;
    await waitForSettled(db, table, expected);
    const visibleAt = Date.now();
    const collectorCpu = cpuOf(collector.pid);
    const collectorCpuSeconds =
      collectorCpu.user + collectorCpu.system - collectorCpu0.user - collectorCpu0.system;
    const collectorSystemCpuSeconds = collectorCpu.system - collectorCpu0.system;
    const collectorCpuByThread: Record<string, number> = {};
    for (const [kind, seconds] of cpuByThread(collector.pid)) {
      collectorCpuByThread[kind] = seconds - (threads0.get(kind) ?? 0);
    }
    const clickhouseCpuSeconds = cpuSecondsOf(ctx.clickhouse.pid) - clickhouseCpu0;
    const hwmBytes = memoryOf(collector.pid).hwm;
    const peakRssBytes = sampler.stop();
    const wireBytesPerItem = client.ready.bytes / client.ready.items;
    await client.stop();
    client = undefined;
    await collector.stop();
    const countedRows = await countRows(db, table);
    const seconds = (visibleAt - run.startedAt) / 1000;
    return {
      name: s.name,
      kind: s.kind,
      concurrency: s.concurrency,
      wireBytesPerItem,
      seconds,
      items: run.ackedItems,
      warmupItems: expected - run.ackedItems,
      itemsPerSecond: run.ackedItems / seconds,
      ackItemsPerSecond: run.ackedItems / Math.max(0.001, (run.lastAckAt - run.startedAt) / 1000),
      run,
      startRssBytes,
      peakRssBytes,
      hwmBytes,
      collectorCpuSeconds,
      collectorSystemCpuSeconds,
      collectorCpuByThread,
      clickhouseCpuSeconds,
      countedRows,
      expectedRows: expected,
    };
  } finally {
    stopDuring?.();
    sampler?.stop();
    await client?.stop();
    await collector?.stop();
    await dropDatabase(db).catch(() => undefined);
    rmSync(walDir, { recursive: true, force: true });
  }
}

/** Throttles ClickHouse: SIGSTOP for pauseMs, SIGCONT for runMs, until stopped (always ends running). */
export function throttle(pid: number, pauseMs: number, runMs: number): () => void {
  if (pauseMs <= 0) return () => undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const cycle = (pause: boolean) => {
    if (stopped) return;
    process.kill(pid, pause ? 'SIGSTOP' : 'SIGCONT');
    timer = setTimeout(() => cycle(!pause), pause ? pauseMs : runMs);
  };
  cycle(true);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    process.kill(pid, 'SIGCONT');
  };
}
