import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectClickHouse, migrate, startLocalClickHouse, type LocalClickHouse } from '../core/src/index.ts';
import { queryCases, referenceCases, termShares } from './logs/cases.ts';
import { combine, loggedQueries, measureRounds, RecordingDb } from './logs/measure.ts';
import { bytes, count, markdownTable, resultsTable, summarize, type CaseSummary } from './logs/report.ts';
import { optimizeFinal, seedLogs, settleMerges, tableState } from './logs/seed.ts';
import { SEED_DAYS } from './logs/dataset.ts';
import { intEnv, loadAverage, machineLine, seconds } from './lib/query-bench-env.ts';

/**
 * `npm run bench:logs`: latency of the logs API's queries over a generated
 * week of logs (10M records, 20 services by default) on a private ClickHouse,
 * with the rows each query read (system.query_log) next to the rows in its time
 * range, measured by a count() over the same range in the same run. Exits
 * non-zero only on errors, never on a missed target.
 *
 * Environment: BENCH_ROWS (10000000), BENCH_RUNS (40), BENCH_WARMUP (3),
 * BENCH_CHUNK_ROWS (500000), BENCH_SEED_CONCURRENCY (2), BENCH_OPTIMIZE=1
 * (OPTIMIZE ... FINAL instead of waiting for background merges),
 * BENCH_SETTLE_QUIET_MS (20000), BENCH_JSON=<file> (write the results),
 * BENCH_KEEP=1 (keep the ClickHouse data folder).
 */
const options = {
  rows: intEnv('BENCH_ROWS', 10_000_000, 1000),
  runs: intEnv('BENCH_RUNS', 40, 1),
  warmup: intEnv('BENCH_WARMUP', 3, 0),
  chunkRows: intEnv('BENCH_CHUNK_ROWS', 500_000, 1000),
  seedConcurrency: intEnv('BENCH_SEED_CONCURRENCY', 2, 1),
  settleQuietMs: intEnv('BENCH_SETTLE_QUIET_MS', 20_000, 0),
  settleTimeoutMs: intEnv('BENCH_SETTLE_TIMEOUT_MS', 600_000, 0),
  optimize: process.env.BENCH_OPTIMIZE === '1',
  keep: process.env.BENCH_KEEP === '1',
  json: process.env.BENCH_JSON ?? '',
};

const log = (line: string): void => console.log(line);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-bench-logs-'));
  let clickhouse: LocalClickHouse | undefined;
  const onSignal = (): void => {
    void clickhouse?.kill().finally(() => {
      if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    clickhouse = await startLocalClickHouse({ dataDir });
    const db = await connectClickHouse({
      url: clickhouse.url,
      database: 'bench_logs',
      username: 'default',
      password: '',
      createDatabase: true,
    });
    await migrate(db, { logsDays: 14, metricsDays: 30 });
    const machine = machineLine(db.capabilities.version);
    log(`bench:logs on ${machine}; load average ${loadAverage()}`);
    log(`ClickHouse on ${clickhouse.url}, data in ${dataDir}`);

    // Seed.
    const endSec = Math.floor(Date.now() / 1000);
    const endMs = endSec * 1000;
    log(
      `seeding ${count(options.rows)} records over ${SEED_DAYS} days ending ${new Date(endMs).toISOString()} ` +
        `(chunks of ${count(options.chunkRows)}, ${options.seedConcurrency} at a time)`,
    );
    let lastReport = 0;
    const seed = await seedLogs({
      url: clickhouse.url,
      database: db.database,
      rows: options.rows,
      chunkRows: options.chunkRows,
      concurrency: options.seedConcurrency,
      endSec,
      onChunk: (done, ms) => {
        if (ms - lastReport < 10_000 && done < options.rows) return;
        lastReport = ms;
        log(`  ${count(done)} rows in ${seconds(ms)} (${count((done / ms) * 1000)} rows/s)`);
      },
    });
    const afterSeed = await tableState(db);
    // ClickHouse's CPU for the inserts: what seeding costs whatever else the machine is doing.
    const seedCpuMs = combine([...(await loggedQueries(db, seed.queryIds)).values()]).cpuMs;
    log(
      `seeded ${count(afterSeed.rows)} rows in ${seconds(seed.elapsedMs)} ` +
        `(${count((afterSeed.rows / seed.elapsedMs) * 1000)} rows/s; ClickHouse CPU ${seconds(seedCpuMs)}, ` +
        `${seconds(seedCpuMs / os.cpus().length)} over ${os.cpus().length} idle cores); ` +
        `${afterSeed.parts} parts in ${afterSeed.partitions} partitions`,
    );
    let compaction: string;
    if (options.optimize) {
      const o = await optimizeFinal(db, clickhouse.url);
      compaction = `OPTIMIZE FINAL per partition in ${seconds(o.elapsedMs)}`;
    } else {
      const s = await settleMerges(db, options.settleQuietMs, options.settleTimeoutMs);
      compaction =
        `background merges ${s.settled ? 'settled' : 'still running'} after ${seconds(s.elapsedMs)} ` +
        `(no merge for ${seconds(options.settleQuietMs)})`;
    }
    const state = await tableState(db);
    log(
      `${compaction}: ${state.parts} parts in ${state.partitions} partitions, ` +
        `${bytes(state.compressedBytes)} compressed (${bytes(state.uncompressedBytes)} uncompressed)`,
    );
    const shares = await termShares(db, endMs);
    log(
      `free-text terms (share of bodies in the last 24 h): ${shares
        .map((s) => `${s.term} ${(100 * s.share).toFixed(2)}%`)
        .join(', ')}`,
    );

    // Measure.
    const cases = queryCases(endMs);
    const references = referenceCases(endMs);
    const all = [...cases, ...references];
    const loadBefore = loadAverage();
    log(`measuring: ${options.warmup} warm-up rounds, then ${options.runs} rounds of ${all.length} queries`);
    const measured = await measureRounds(new RecordingDb(db), all, options);
    const loadAfter = loadAverage();
    const summaries = new Map<string, CaseSummary>();
    for (const c of all) {
      summaries.set(
        c.key,
        summarize(
          {
            key: c.key,
            title: c.title,
            query: c.describe(0),
            ...(c.targetMs ? { targetMs: c.targetMs } : {}),
          },
          measured.get(c.key) ?? [],
        ),
      );
    }
    for (const c of cases) {
      const ref = references.find((r) => r.rangeHours === c.rangeHours);
      const s = summaries.get(c.key);
      const r = ref && summaries.get(ref.key);
      if (s && r) {
        s.rangeRows = r.answered;
        s.referenceReadRows = r.readRows;
      }
    }
    for (const r of references) {
      const s = summaries.get(r.key);
      if (s) {
        s.rangeRows = s.answered;
        s.referenceReadRows = s.readRows;
      }
    }
    const ordered = all.map((c) => summaries.get(c.key)).filter((s): s is CaseSummary => s !== undefined);

    log('');
    log(resultsTable(ordered));
    log('');
    for (const c of cases) log(`  ${c.key}: ${c.title}; ${c.describe(0)}`);
    log(
      '  p50/p95/max: wall time around the API function (ClickHouse plus JSON decoding in Node); ' +
        'CH p50: query_log duration; CPU ms, wait ms: ClickHouse thread CPU, and time runnable but ' +
        'waiting for a core (other load), medians; rows/bytes read: medians from system.query_log ' +
        '(facets: both of its queries); range rows: records in the time range; ref read: rows the ' +
        'count() over the same range read (whole granules); read/ref: rows read against that.',
    );
    log(`load average before/after measuring: ${loadBefore} / ${loadAfter}`);
    const unanswered = ordered.filter((s) => s.answered === 0);
    if (unanswered.length > 0) log(`note: no results from ${unanswered.map((s) => s.key).join(', ')}`);
    if (ordered.every((s) => s.apiReadRows === 0)) {
      log(
        'note: the API reported stats.readRows = 0 for every query: ClickHouse ' +
          `${db.capabilities.version} sends no X-ClickHouse-Summary header; the rows read above are from system.query_log.`,
      );
    }
    for (const s of ordered) {
      if (s.targetMs !== undefined) {
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
            seedMs: seed.elapsedMs,
            seedCpuMs,
            compaction,
            state,
            shares,
            loadBefore,
            loadAfter,
            summaries: ordered,
          },
          null,
          2,
        ),
      );
      writeFileSync(`${options.json}.md`, `${markdownTable(ordered)}\n`);
      log(`results written to ${options.json} (and a Markdown table to ${options.json}.md)`);
    }
    await db.close();
  } finally {
    await clickhouse?.stop();
    if (options.keep) log(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
