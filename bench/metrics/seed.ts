import { randomUUID } from 'node:crypto';
import { post } from '../logs/seed.ts';
import {
  COUNTER,
  HISTOGRAM,
  samplesChunkSql,
  seriesSql,
  totalSamples,
  type BenchMetric,
  type DatasetOptions,
} from './dataset.ts';

/**
 * Seeds the metric data set: the series rows of both metrics, then the
 * samples in chunks of INSERT ... SELECT in time order (counter and histogram
 * chunks of the same time range one after the other), `concurrency` at a
 * time. Inserting into metric_samples also feeds whatever materialized views
 * the schema puts on it (the rollups), as the collector's inserts would.
 */
export interface SeedOptions extends DatasetOptions {
  /** ClickHouse HTTP URL and database. */
  url: string;
  database: string;
  chunkRows: number;
  concurrency: number;
  onChunk?: (doneRows: number, totalRows: number, elapsedMs: number) => void;
}

/** What seeding took: wall time, and the query ids of the inserts by what they wrote (for their CPU in query_log). */
export interface SeedResult {
  elapsedMs: number;
  queryIds: { series: string[]; [COUNTER]: string[]; [HISTOGRAM]: string[] };
}

export async function seedMetrics(o: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const queryIds: SeedResult['queryIds'] = { series: [], [COUNTER]: [], [HISTOGRAM]: [] };
  const run = async (
    kind: keyof SeedResult['queryIds'],
    statement: Parameters<typeof post>[2],
  ): Promise<void> => {
    const queryId = randomUUID();
    queryIds[kind].push(queryId);
    await post(o.url, o.database, statement, queryId);
  };
  await run('series', seriesSql(COUNTER, o));
  await run('series', seriesSql(HISTOGRAM, o));

  const perMetric = totalSamples(o);
  const chunks: { metric: BenchMetric; offset: number; count: number }[] = [];
  for (let offset = 0; offset < perMetric; offset += o.chunkRows) {
    const count = Math.min(o.chunkRows, perMetric - offset);
    chunks.push({ metric: COUNTER, offset, count }, { metric: HISTOGRAM, offset, count });
  }
  const total = perMetric * 2;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
      await run(chunk.metric, samplesChunkSql(chunk.metric, o, chunk.offset, chunk.count));
      done += chunk.count;
      o.onChunk?.(done, total, performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return { elapsedMs: performance.now() - started, queryIds };
}
