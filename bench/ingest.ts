import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, parseConfig, startLocalClickHouse, type LocalClickHouse } from '../core/src/index.ts';
import { readOptions } from './lib/options.ts';
import { runMain } from './lib/run-main.ts';
import { cpuSecondsOf } from './lib/processes.ts';
import { buildBatches, insertLoop, rowBinaryInsert, textInsert, type RawResult } from './lib/raw-insert.ts';
import { detailsTable, summaryTable, type BenchResults, type BenchRound } from './lib/report.ts';
import {
  dropDatabase,
  openDb,
  runIngest,
  throttle,
  type IngestResult,
  waitForMerges,
  type ScenarioContext,
} from './lib/scenarios.ts';
import { decodeRowBinary, toJsonEachRow, toTabSeparated } from './lib/text-formats.ts';
import { logsRequest } from './lib/workload.ts';

/**
 * `npm run bench:ingest`: the collector's ingest throughput end to end
 * (acknowledged and counted in ClickHouse) against the raw rate of inserting the
 * same rows straight into ClickHouse, measured in the same run on the same
 * machine; then an overload run (peak RSS, 429s) and a metrics run. Starts its
 * own ClickHouse, a collector child per scenario and a load-client child; stops
 * them all. Exits non-zero only on errors, never on a missed target.
 */
// The collector's defaults, so the reference's batches follow them.
const { flushRows: FLUSH_ROWS, flushBytes: FLUSH_BYTES } = parseConfig({}).collector;
const INSERT_CONCURRENCY = 2;

interface RawRuns {
  rowBinary: RawResult;
  text?: NonNullable<BenchResults['rawText']>;
}

/**
 * The raw reference, after the logs run of its round when there was one: the
 * same rows as that run's warm-up untimed, then as many as its timed window,
 * timed. Without a logs run: BENCH_WARMUP_SECONDS, then BENCH_RAW_SECONDS.
 */
async function rawScenario(ctx: ScenarioContext, withText: boolean, logs?: IngestResult): Promise<RawRuns> {
  const o = ctx.options;
  const requests: Buffer[] = [];
  for (let i = 0; i < o.distinctRequests; i++)
    requests.push(logsRequest(1 + i, o.recordsPerRequest, ctx.baseNs));
  const batches = buildBatches(requests, FLUSH_ROWS, FLUSH_BYTES);
  const db = await openDb(ctx.clickhouse, 'bench_raw');
  try {
    await migrate(db, { logsDays: 14, metricsDays: 30 });
    const measured = async (
      items: { body: Buffer; rows: number }[],
      insert: (body: Buffer) => Promise<void>,
    ): Promise<RawResult> => {
      let cpu0 = 0;
      const result = await insertLoop(
        items,
        logs
          ? { warmup: { rows: logs.warmupItems }, timed: { rows: logs.items } }
          : { warmup: { seconds: o.warmupSeconds }, timed: { seconds: o.rawSeconds } },
        INSERT_CONCURRENCY,
        insert,
        () => (cpu0 = cpuSecondsOf(ctx.clickhouse.pid)),
        () => waitForMerges(db, 'logs'),
      );
      return { ...result, clickhouseCpuSeconds: cpuSecondsOf(ctx.clickhouse.pid) - cpu0 };
    };
    const rb = batches.map((b) => ({ body: b.rowBinary, rows: b.rows }));
    const rowBinary = await measured(rb, rowBinaryInsert(db, 'logs'));
    if (!withText) return { rowBinary };
    const decoded = batches.map((b) => ({ rows: decodeRowBinary(b.rowBinary), n: b.rows }));
    const json = decoded.map((d) => ({ body: toJsonEachRow(d.rows), rows: d.n }));
    const jsonEachRow = await measured(
      json,
      textInsert(ctx.clickhouse.url, db.database, 'logs', 'JSONEachRow'),
    );
    const tsv = decoded.map((d) => ({ body: toTabSeparated(d.rows), rows: d.n }));
    const tabSeparated = await measured(
      tsv,
      textInsert(ctx.clickhouse.url, db.database, 'logs', 'TabSeparated'),
    );
    return { rowBinary, text: { jsonEachRow, tabSeparated } };
  } finally {
    await dropDatabase(db).catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2), process.env);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-bench-ch-'));
  let clickhouse: LocalClickHouse | undefined;
  const onSignal = () => {
    // Never leave ClickHouse stopped (SIGSTOP) or running behind us.
    if (clickhouse) process.kill(clickhouse.pid, 'SIGCONT');
    void clickhouse?.kill().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: BenchResults = {
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '',
      node: process.version,
      clickhouse: '',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    startedAt: new Date().toISOString(),
    rounds: [],
    errors: [],
  };
  try {
    clickhouse = await startLocalClickHouse({ dataDir });
    const probe = await openDb(clickhouse, 'default');
    results.machine.clickhouse = probe.capabilities.version;
    await probe.close();
    console.log(
      `ClickHouse ${results.machine.clickhouse} on ${clickhouse.url}; ${results.machine.cpus} cores (${results.machine.cpuModel}), Node ${process.version}`,
    );
    const ctx: ScenarioContext = { clickhouse, options, baseNs: BigInt(Date.now() - 60_000) * 1_000_000n };
    const step = async (name: string, fn: () => Promise<void>, label = name) => {
      if (!options.scenarios.has(name)) return;
      const t0 = Date.now();
      console.log(`-- ${label} ...`);
      try {
        await fn();
      } catch (err) {
        results.errors.push(`${name}: ${(err as Error).stack ?? String(err)}`);
        console.error(`-- ${name} failed:`, err);
      }
      console.log(`-- ${label} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    };
    // Logs and raw alternate, so each round's ratio compares runs minutes apart at most.
    for (let i = 1; i <= options.rounds; i++) {
      const round: BenchRound = {};
      results.rounds.push(round);
      const of = options.rounds > 1 ? ` (round ${i} of ${options.rounds})` : '';
      await step(
        'logs',
        async () => {
          round.logs = await runIngest(ctx, {
            name: 'logs',
            kind: 'logs',
            database: `bench_logs_${i}`,
            concurrency: options.concurrency,
            seconds: options.seconds,
            warmupSeconds: options.warmupSeconds,
            retryDelayMs: 0,
          });
        },
        `logs${of}`,
      );
      await step(
        'raw',
        async () => {
          // The text formats are context, measured once (in the last round).
          const raw = await rawScenario(ctx, options.rawText && i === options.rounds, round.logs);
          round.rawRowBinary = raw.rowBinary;
          if (raw.text) results.rawText = raw.text;
        },
        `raw${of}`,
      );
    }
    await step('overload', async () => {
      const ch = clickhouse as LocalClickHouse;
      results.overload = {
        ...(await runIngest(ctx, {
          name: 'overload',
          kind: 'logs',
          database: 'bench_overload',
          concurrency: options.overloadConcurrency,
          seconds: options.overloadSeconds,
          warmupSeconds: 0,
          retryDelayMs: options.overloadRetryMs,
          collectorEnv: { HUB_COLLECTOR_MAX_PENDING_BYTES: String(options.overloadMaxPendingBytes) },
          during: () => throttle(ch.pid, options.overloadPauseMs, options.overloadRunMs),
        })),
        maxPendingBytes: options.overloadMaxPendingBytes,
        pauseMs: options.overloadPauseMs,
        runMs: options.overloadRunMs,
      };
    });
    await step('metrics', async () => {
      results.metrics = await runIngest(ctx, {
        name: 'metrics',
        kind: 'metrics',
        database: 'bench_metrics',
        concurrency: options.metricsConcurrency,
        seconds: options.metricsSeconds,
        warmupSeconds: Math.min(options.warmupSeconds, 3),
        retryDelayMs: 0,
      });
    });
    const checked = [
      ...results.rounds.map((x, i) => ({ label: `logs (round ${i + 1})`, r: x.logs })),
      { label: 'overload', r: results.overload },
      { label: 'metrics', r: results.metrics },
    ];
    for (const { label, r } of checked) {
      if (!r) continue;
      if (r.countedRows !== r.expectedRows)
        results.errors.push(`${label}: ${r.countedRows} rows in ClickHouse, ${r.expectedRows} acknowledged`);
      if (r.run.otherStatus > 0 || r.run.rejectedItems > 0)
        results.errors.push(`${label}: unexpected answers: ${r.run.firstError}`);
    }
  } catch (err) {
    results.errors.push((err as Error).stack ?? String(err));
  } finally {
    await clickhouse?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  console.log('\nCollector ingest benchmark');
  console.log(
    `${results.machine.cpus} cores, ClickHouse ${results.machine.clickhouse}, Node ${results.machine.node}\n`,
  );
  console.log(summaryTable(results));
  console.log('\nPer run (cores = CPU seconds / wall seconds of the timed run):\n');
  console.log(detailsTable(results));
  if (options.jsonOut) writeFileSync(options.jsonOut, JSON.stringify(results, null, 2));
  if (results.errors.length > 0) {
    console.error(`\n${results.errors.length} error(s):\n${results.errors.join('\n')}`);
    return 1;
  }
  return 0;
}

runMain(main);
