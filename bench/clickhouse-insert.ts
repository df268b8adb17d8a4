import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOG_INSERT_COLUMNS, migrate, sql, startLocalClickHouse, type Db } from '../core/src/index.ts';
import { cpuByThread, cpuSecondsOf } from './lib/processes.ts';
import { intEnv, loadAverage, machineLine } from './lib/query-bench-env.ts';
import { buildBatches, insertLoop, rowBinaryInsert } from './lib/raw-insert.ts';
import { runMain } from './lib/run-main.ts';
import { dropDatabase, openDb } from './lib/scenarios.ts';
import { logsRequest } from './lib/workload.ts';

/**
 * `npm run bench:clickhouse`: what ClickHouse spends per log row, and on what,
 * when it takes the collector's rows straight (the bench:ingest raw reference,
 * without a collector): the CPU of its INSERT threads (parsing, sorting,
 * compressing and writing each part) and of its background merges, by batch
 * size and by row order. Each case inserts for BENCH_CH_SECONDS (8) into a
 * fresh logs table, 2 INSERTs in flight; the cases run in the order given,
 * BENCH_CH_REPEAT (2) times, because the host's speed drifts.
 *
 * BENCH_CH_CASES (default "31,62"): requests of 1,000 rows per INSERT, with
 * "s" for rows sorted by the table's key (service_name, timestamp) ahead of
 * time (by ClickHouse, untimed); without it the rows are in arrival order, as
 * the collector sends them. At 546 bytes a row, a busy collector's INSERT holds
 * 62 requests' rows at the default 32 MiB, and held 31 at the former 16 MiB.
 */

/** Log records per request of the workload: a case counts requests, the report rows. */
const RECORDS_PER_REQUEST = 1000;

interface Case {
  label: string;
  requestsPerBatch: number;
  sorted: boolean;
}

interface CaseResult {
  label: string;
  rowsPerSecond: number;
  cpuPerRowUs: number;
  insertThreadsUs: number;
  mergeThreadsUs: number;
  otherUs: number;
  batchRows: number;
  batchMiB: number;
  alreadySortedBlocks: number;
  blocks: number;
}

function parseCases(spec: string): Case[] {
  return spec.split(',').map((raw) => {
    const m = /^(\d+)(s?)$/.exec(raw.trim());
    if (!m) throw new Error(`BENCH_CH_CASES: "${raw}" is not <requests per batch>[s]`);
    return { label: raw.trim(), requestsPerBatch: Number(m[1]), sorted: m[2] === 's' };
  });
}

/** Requests' rows concatenated into batches of `per` requests (cycling through them). */
function batchesOf(perRequest: readonly Buffer[], per: number, count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const parts: Buffer[] = [];
    for (let j = 0; j < per; j++) parts.push(perRequest[(b * per + j) % perRequest.length] as Buffer);
    out.push(Buffer.concat(parts));
  }
  return out;
}

/** The same rows ordered by (service_name, timestamp): a round trip through a Log table. */
async function sortedByKey(db: Db, url: string, body: Buffer): Promise<Buffer> {
  await db.command(sql`DROP TABLE IF EXISTS sort_scratch`);
  await db.command(sql`CREATE TABLE sort_scratch AS logs ENGINE = Log`);
  await db.insertRowBinary('sort_scratch', LOG_INSERT_COLUMNS, [body]);
  const u = new URL(url);
  u.searchParams.set('database', db.database);
  u.searchParams.set(
    'query',
    `SELECT ${LOG_INSERT_COLUMNS.join(', ')} FROM sort_scratch ORDER BY service_name, timestamp FORMAT RowBinary`,
  );
  const res = await fetch(u);
  const sorted = Buffer.from(await res.arrayBuffer());
  if (!res.ok || sorted.length !== body.length) throw new Error(`sorting the rows failed: ${res.status}`);
  await db.command(sql`DROP TABLE sort_scratch`);
  return sorted;
}

async function writerEvents(db: Db): Promise<{ blocks: number; sorted: number }> {
  const rows = await db.query<{ event: string; value: string }>(
    sql`SELECT event, value FROM system.events WHERE event IN ('MergeTreeDataWriterBlocks', 'MergeTreeDataWriterBlocksAlreadySorted')`,
  );
  const get = (e: string) => Number(rows.find((r) => r.event === e)?.value ?? 0);
  return { blocks: get('MergeTreeDataWriterBlocks'), sorted: get('MergeTreeDataWriterBlocksAlreadySorted') };
}

async function main(): Promise<number> {
  const cases = parseCases(process.env['BENCH_CH_CASES'] || '31,62');
  const seconds = intEnv('BENCH_CH_SECONDS', 8, 1);
  const repeat = intEnv('BENCH_CH_REPEAT', 2, 1);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-bench-ch-'));
  const clickhouse = await startLocalClickHouse({ dataDir });
  const onSignal = () => void clickhouse.kill().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: CaseResult[] = [];
  try {
    const baseNs = BigInt(Date.now() - 60_000) * 1_000_000n;
    const requests = Array.from({ length: 64 }, (_, i) => logsRequest(1 + i, RECORDS_PER_REQUEST, baseNs));
    // One batch per request: the rows the collector writes for it.
    const perRequest = buildBatches(requests, 1, Number.MAX_SAFE_INTEGER).map((b) => b.rowBinary);
    const version = await (async () => {
      const probe = await openDb(clickhouse, 'default');
      const v = probe.capabilities.version;
      await probe.close();
      return v;
    })();
    console.log(`${machineLine(version)}; load average ${loadAverage()}`);
    const prepared = new Map<string, Buffer[]>();
    let n = 0;
    for (let r = 0; r < repeat; r++) {
      for (const c of cases) {
        const db = await openDb(clickhouse, `bench_ch_${n++}`);
        try {
          await migrate(db, { logsDays: 14, metricsDays: 30 });
          let batches = prepared.get(c.label);
          if (!batches) {
            // At least 8 distinct batches, and every request at least once.
            const count = Math.max(8, Math.ceil(perRequest.length / c.requestsPerBatch));
            batches = batchesOf(perRequest, c.requestsPerBatch, count);
            if (c.sorted) {
              const sorted: Buffer[] = [];
              for (const b of batches) sorted.push(await sortedByKey(db, clickhouse.url, b));
              batches = sorted;
            }
            prepared.set(c.label, batches);
          }
          const rowsPerBatch = c.requestsPerBatch * RECORDS_PER_REQUEST;
          const items = batches.map((body) => ({ body, rows: rowsPerBatch }));
          const ev0 = await writerEvents(db);
          const threads0 = cpuByThread(clickhouse.pid);
          const cpu0 = cpuSecondsOf(clickhouse.pid);
          const run = await insertLoop(
            items,
            { warmup: { rows: 0 }, timed: { seconds } },
            2,
            rowBinaryInsert(db, 'logs'),
          );
          const cpu = cpuSecondsOf(clickhouse.pid) - cpu0;
          const threads1 = cpuByThread(clickhouse.pid);
          const ev1 = await writerEvents(db);
          const perRow = (s: number) => (s * 1e6) / run.rows;
          const threadUs = (kind: string) => perRow((threads1.get(kind) ?? 0) - (threads0.get(kind) ?? 0));
          const insertUs = threadUs('HTTPHandler');
          const mergeUs = threadUs('BackgrProcPool');
          const result: CaseResult = {
            label: c.label,
            rowsPerSecond: run.rowsPerSecond,
            cpuPerRowUs: perRow(cpu),
            insertThreadsUs: insertUs,
            mergeThreadsUs: mergeUs,
            otherUs: perRow(cpu) - insertUs - mergeUs,
            batchRows: rowsPerBatch,
            batchMiB: (batches[0]?.length ?? 0) / 2 ** 20,
            alreadySortedBlocks: ev1.sorted - ev0.sorted,
            blocks: ev1.blocks - ev0.blocks,
          };
          results.push(result);
          console.log(
            `-- ${c.label}: ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s, ${result.cpuPerRowUs.toFixed(2)} µs/row`,
          );
        } finally {
          await dropDatabase(db).catch(() => undefined);
        }
      }
    }
  } finally {
    await clickhouse.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(
    '\n| case | rows per INSERT | MiB | rows/s | ClickHouse µs/row | INSERT threads | merge threads | other | blocks already sorted |',
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.batchRows.toLocaleString('en-US')} | ${r.batchMiB.toFixed(1)} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} | ${r.cpuPerRowUs.toFixed(2)} | ${r.insertThreadsUs.toFixed(2)} | ${r.mergeThreadsUs.toFixed(2)} | ${r.otherUs.toFixed(2)} | ${r.alreadySortedBlocks}/${r.blocks} |`,
    );
  }
  return 0;
}

runMain(main);
