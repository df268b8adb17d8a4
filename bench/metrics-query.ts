import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  connectClickHouse,
  migrate,
  sql,
  startLocalClickHouse,
  type Db,
  type LocalClickHouse,
} from '../core/src/index.ts';
import { combine, loggedQueries, measureRounds, RecordingDb } from './logs/measure.ts';
import { bytes, count } from './logs/report.ts';
import { optimizeFinal, post, settleMerges, tableState } from './logs/seed.ts';
import { queryCases } from './metrics/cases.ts';
import { referenceCases } from './metrics/references.ts';
import { COUNTER, HISTOGRAM, STEP_SECONDS, totalSamples } from './metrics/dataset.ts';
import { metricsMarkdown, metricsTable, summarizeMetricCases } from './metrics/report.ts';
import { seedMetrics } from './metrics/seed.ts';
import { intEnv, loadAverage, machineLine, seconds } from './lib/query-bench-env.ts';
import { catchUpIncreases, type CatchUp } from './metrics/increases.ts';

/**
 * `npm run bench:metrics-query`: latency of the metric query engine
 * (queryMetric, api/src/metrics) over a generated week of metrics on a private
 * ClickHouse: 1,000 series of a cumulative request counter and 1,000 series of
 * a request duration histogram, a point every 10 s for 7 days (121M samples).
 * Measured: a 24-hour rate at a 1-minute step grouped by http.route, and a
 * 7-day p95 latency from the histograms; each against a plain-SQL scan of the
 * same raw samples in the same run, with the rows each read (system.query_log).
 * Before measuring, it drives the API's increase job over the seeded week (or
 * from a kept data set's watermark), as an API starting on that data would,
 * and reports how long that catch-up took (bench/metrics/increases.ts).
 * Exits non-zero only on errors, never on a missed target.
 *
 * Environment: BENCH_SERIES (1000 per metric), BENCH_DAYS (7), BENCH_RUNS (30),
 * BENCH_WARMUP (3), BENCH_CHUNK_ROWS (1000000), BENCH_SEED_CONCURRENCY (2),
 * BENCH_OPTIMIZE=1 (OPTIMIZE ... FINAL instead of waiting for background merges),
 * BENCH_INCREASE_CHUNK_MINUTES (120: minutes per chunk of the increase job's catch-up),
 * BENCH_SETTLE_QUIET_MS (20000), BENCH_SETTLE_TIMEOUT_MS (900000),
 * BENCH_JSON=<file> (write the results), BENCH_KEEP=1 (keep the data folder),
 * BENCH_DATA_DIR=<folder> (use and keep this data folder: a kept folder that
 * already holds samples is measured again without seeding, e.g. after a change
 * to the engine; the data set is then the one stored there).
 */
const options = {
  series: intEnv('BENCH_SERIES', 1000, 1),
  days: intEnv('BENCH_DAYS', 7, 1),
  runs: intEnv('BENCH_RUNS', 30, 1),
  warmup: intEnv('BENCH_WARMUP', 3, 0),
  chunkRows: intEnv('BENCH_CHUNK_ROWS', 1_000_000, 1000),
  seedConcurrency: intEnv('BENCH_SEED_CONCURRENCY', 2, 1),
  settleQuietMs: intEnv('BENCH_SETTLE_QUIET_MS', 20_000, 0),
  settleTimeoutMs: intEnv('BENCH_SETTLE_TIMEOUT_MS', 900_000, 0),
  optimize: process.env.BENCH_OPTIMIZE === '1',
  keep: process.env.BENCH_KEEP === '1',
  dataDir: process.env.BENCH_DATA_DIR ?? '',
  json: process.env.BENCH_JSON ?? '',
};

const log = (line: string): void => console.log(line);

/** The tables the data lands in: metric_samples, metric_series, and any rollup fed from the samples. */
async function metricTables(db: Db): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    sql`SELECT name FROM system.tables
        WHERE database = ${db.database} AND engine LIKE '%MergeTree' AND name LIKE 'metric%' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

async function describeTables(db: Db, tables: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const t of tables) {
    const s = await tableState(db, [t]);
    lines.push(
      `  ${t}: ${count(s.rows)} rows, ${s.parts} parts in ${s.partitions} partitions, ` +
        `${bytes(s.compressedBytes)} compressed (${bytes(s.uncompressedBytes)} uncompressed)`,
    );
  }
  return lines;
}

/** What is in the tables when measuring starts, and what seeding cost (when this run seeded). */
interface Prepared {
  endSec: number;
  series: number;
  days: number;
  seed?: { elapsedMs: number; cpuMs: number; cpuMsPerMillion: Record<string, number> };
  compaction: string;
  tables: string[];
  catchUp?: CatchUp;
}

/** A kept data folder's samples: their end, series per metric and days; undefined when empty. */
async function storedDataset(db: Db): Promise<{ endSec: number; series: number; days: number } | undefined> {
  const [row] = await db.query<{ n: string; first: string; last: string; series: string }>(
    sql`SELECT count() AS n, toUInt32(min(timestamp)) AS first, toUInt32(max(timestamp)) AS last,
          uniqExact(fingerprint) AS series FROM metric_samples`,
  );
  if (!row || Number(row.n) === 0) return undefined;
  const endSec = Number(row.last);
  return {
    endSec,
    series: Number(row.series) / 2,
    days: Math.round((endSec - Number(row.first) + STEP_SECONDS) / 86_400),
  };
}

/**
 * The series table as a server that has been running for a week holds it:
 * the collector writes a row per series and hour, in small inserts that
 * background merges collapse (ReplacingMergeTree). Seeding writes a week of
 * them in one INSERT, one part that no merge would touch, so this collapses it.
 */
async function collapseSeries(db: Db, url: string): Promise<void> {
  await post(url, db.database, sql`OPTIMIZE TABLE metric_series FINAL`);
}

async function seed(db: Db, url: string, cores: number): Promise<Prepared> {
  const endSec = Math.floor(Date.now() / 1000 / STEP_SECONDS) * STEP_SECONDS;
  const dataset = { series: options.series, days: options.days, endSec };
  const samples = totalSamples(dataset);
  log(
    `seeding ${options.series} counter and ${options.series} histogram series, a point every ${STEP_SECONDS} s ` +
      `for ${options.days} days ending ${new Date(endSec * 1000).toISOString()}: ${count(2 * samples)} samples ` +
      `(chunks of ${count(options.chunkRows)}, ${options.seedConcurrency} at a time)`,
  );
  let lastReport = 0;
  const seeded = await seedMetrics({
    url,
    database: db.database,
    ...dataset,
    chunkRows: options.chunkRows,
    concurrency: options.seedConcurrency,
    onChunk: (done, total, ms) => {
      if (ms - lastReport < 30_000 && done < total) return;
      lastReport = ms;
      log(
        `  ${count(done)} of ${count(total)} samples in ${seconds(ms)} (${count((done / ms) * 1000)} rows/s)`,
      );
    },
  });
  const cpuOf = async (ids: readonly string[]): Promise<number> =>
    combine([...(await loggedQueries(db, ids)).values()]).cpuMs;
  const counterCpuMs = await cpuOf(seeded.queryIds[COUNTER]);
  const histogramCpuMs = await cpuOf(seeded.queryIds[HISTOGRAM]);
  const cpuMs = counterCpuMs + histogramCpuMs + (await cpuOf(seeded.queryIds.series));
  const perMillion = {
    [COUNTER]: counterCpuMs / (samples / 1e6),
    [HISTOGRAM]: histogramCpuMs / (samples / 1e6),
  };
  log(
    `seeded in ${seconds(seeded.elapsedMs)} (${count((2 * samples * 1000) / seeded.elapsedMs)} samples/s); ` +
      `ClickHouse CPU ${seconds(cpuMs)} (${seconds(cpuMs / cores)} over ${cores} idle cores); per million samples ` +
      `${seconds(perMillion[COUNTER])} for the counter, ${seconds(perMillion[HISTOGRAM])} for the histogram ` +
      `(the INSERT and the materialized views it feeds)`,
  );
  await collapseSeries(db, url);
  const catchUp = await catchUpIncreases(db, endSec * 1000, log);
  const tables = await metricTables(db);
  let compaction: string;
  if (options.optimize) {
    const started = performance.now();
    for (const t of tables) await optimizeFinal(db, url, t);
    compaction = `OPTIMIZE FINAL per partition in ${seconds(performance.now() - started)}`;
  } else {
    const s = await settleMerges(db, options.settleQuietMs, options.settleTimeoutMs, tables);
    compaction =
      `background merges ${s.settled ? 'settled' : 'still running'} after ${seconds(s.elapsedMs)} ` +
      `(no merge for ${seconds(options.settleQuietMs)})`;
  }
  return {
    ...dataset,
    seed: { elapsedMs: seeded.elapsedMs, cpuMs, cpuMsPerMillion: perMillion },
    compaction,
    tables,
    catchUp,
  };
}

/** Returns false when a measured call failed. */
async function main(): Promise<boolean> {
  const dataDir = options.dataDir || mkdtempSync(path.join(os.tmpdir(), 'hub-bench-metrics-'));
  const keep = options.keep || options.dataDir !== '';
  let clickhouse: LocalClickHouse | undefined;
  const onSignal = (): void => {
    void clickhouse?.kill().finally(() => {
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let failed = false;
  try {
    clickhouse = await startLocalClickHouse({ dataDir });
    const db = await connectClickHouse({
      url: clickhouse.url,
      database: 'bench_metrics',
      username: 'default',
      password: '',
      createDatabase: true,
    });
    await migrate(db, { logsDays: 14, metricsDays: 30 });
    const machine = machineLine(db.capabilities.version);
    log(`bench:metrics-query on ${machine}; load average ${loadAverage()}`);
    log(`ClickHouse on ${clickhouse.url}, data in ${dataDir}`);
    log(`metric tables: ${(await metricTables(db)).join(', ')}`);

    const stored = await storedDataset(db);
    let prepared: Prepared;
    if (stored) {
      await collapseSeries(db, clickhouse.url);
      const catchUp = await catchUpIncreases(db, stored.endSec * 1000, log);
      let compaction = 'data set from an earlier run';
      if (catchUp.chunks > 1) {
        const settled = await settleMerges(
          db,
          options.settleQuietMs,
          options.settleTimeoutMs,
          await metricTables(db),
        );
        compaction += `; merges after the catch-up ${settled.settled ? 'settled' : 'still running'} after ${seconds(settled.elapsedMs)}`;
      }
      prepared = { ...stored, compaction, tables: await metricTables(db), catchUp };
      log(
        `measuring the stored data set: ${stored.series} series per metric over ${stored.days} days ` +
          `ending ${new Date(stored.endSec * 1000).toISOString()} (no seeding)`,
      );
    } else {
      prepared = await seed(db, clickhouse.url, os.cpus().length);
    }
    const { endSec, compaction, tables } = prepared;
    const endMs = endSec * 1000;
    log(`${compaction}:`);
    const state = await describeTables(db, tables);
    for (const line of state) log(line);

    // Measure.
    const cases = queryCases(endMs);
    const references = referenceCases(endMs);
    const all = [...cases, ...references];
    const loadBefore = loadAverage();
    log(`measuring: ${options.warmup} warm-up rounds, then ${options.runs} rounds of ${all.length} queries`);
    const measured = await measureRounds(new RecordingDb(db), all, options);
    const loadAfter = loadAverage();
    const summaries = summarizeMetricCases(all, measured);

    log('');
    log(metricsTable(summaries));
    log('');
    for (const c of all) log(`  ${c.key}: ${c.describe(0)}`);
    log(
      '  source: what the engine said answered (raw samples, 1m or 1h rollup); groups: series returned; ' +
        'p50/p95/max: wall time around queryMetric (ClickHouse plus decoding and shaping in Node); ' +
        'CH p50: query_log duration (longest query of the call); CPU ms, wait ms: ClickHouse thread CPU ' +
        'and time runnable but waiting for a core, medians; queries: ClickHouse queries per call; ' +
        'rows/bytes read: medians from system.query_log, summed over the call; ref: the reference scan; ' +
        'p95/ref p95 and read/ref read: against that scan measured in the same rounds.',
    );
    log(`load average before/after measuring: ${loadBefore} / ${loadAfter}`);
    for (const s of summaries.filter((x) => x.errors > 0)) {
      failed = true;
      log(`${s.key}: ${s.errors} of ${s.runs} calls failed: ${s.error ?? ''}`);
    }
    for (const s of summaries) {
      if (s.targetMs !== undefined && s.errors === 0) {
        log(
          `${s.key}: p95 ${s.p95Ms.toFixed(0)} ms against ${s.targetMs} ms: ${s.p95Ms <= s.targetMs ? 'met' : 'MISSED'}`,
        );
      }
    }
    if (options.json) {
      writeFileSync(
        options.json,
        JSON.stringify(
          {
            machine,
            options,
            endMs,
            dataset: { series: prepared.series, days: prepared.days, endSec },
            seed: prepared.seed,
            catchUp: prepared.catchUp,
            compaction,
            tables: state,
            loadBefore,
            loadAfter,
            summaries,
          },
          null,
          2,
        ),
      );
      writeFileSync(`${options.json}.md`, `${metricsMarkdown(summaries)}\n`);
      log(`results written to ${options.json} (and a Markdown table to ${options.json}.md)`);
    }
    await db.close();
  } finally {
    await clickhouse?.stop();
    if (keep) log(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  return !failed;
}

main().then(
  (ok) => {
    // A failed query is an error (exit 1) once everything else is printed; a missed target is not.
    if (!ok) process.exitCode = 1;
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
