import type { Db } from '../../core/src/index.ts';
import { runIncreaseJob } from '../../api/src/metrics/rollup-job.ts';
import { seconds } from '../lib/query-bench-env.ts';

/**
 * Drives the API's increase job (api/src/metrics/rollup-job.ts) over the
 * seeded week, as an API process starting on that data would: from the
 * oldest sample (or the stored watermark) in chunks, up to a minute before
 * the newest sample, so that the measured queries still read the last one
 * to two minutes from raw samples, as they do in production between runs.
 */
export interface CatchUp {
  elapsedMs: number;
  /** A steady-state run afterwards (the margin recomputed), and one with the late check over 24 hours. */
  steadyRunMs: number;
  lateCheckRunMs: number;
  chunks: number;
  fromMs: number;
  watermarkMs: number;
}

export async function catchUpIncreases(db: Db, endMs: number, log: (line: string) => void): Promise<CatchUp> {
  const nowMs = endMs - 60_000;
  const chunkMinutes = Number(process.env.BENCH_INCREASE_CHUNK_MINUTES ?? 120);
  const started = performance.now();
  let lastReport = started;
  const r = await runIncreaseJob(
    db,
    nowMs,
    { marginMinutes: 5, chunkMinutes, lateCheckHours: 24 },
    {
      onChunk: (toMs) => {
        if (performance.now() - lastReport < 30_000) return;
        lastReport = performance.now();
        log(`  increases computed up to ${new Date(toMs).toISOString()} in ${seconds(lastReport - started)}`);
      },
    },
  );
  const elapsedMs = performance.now() - started;
  log(
    `increase job: ${r.chunks} chunk(s) of up to ${chunkMinutes} minutes from ${new Date(r.fromMs).toISOString()} ` +
      `in ${seconds(elapsedMs)}; watermark ${new Date(r.watermarkMs).toISOString()} ` +
      `(${seconds(endMs - r.watermarkMs)} before the newest sample: queries read that from raw samples)`,
  );
  const options = { marginMinutes: 5, chunkMinutes, lateCheckHours: 24 };
  let t = performance.now();
  await runIncreaseJob(db, nowMs, options);
  const steadyRunMs = performance.now() - t;
  t = performance.now();
  const late = await runIncreaseJob(db, nowMs, options, { lateCheck: true });
  const lateCheckRunMs = performance.now() - t;
  log(
    `a run at the same "now" (the ${options.marginMinutes}-minute margin recomputed, as every minute): ` +
      `${seconds(steadyRunMs)}; with the late check over 24 hours: ${seconds(lateCheckRunMs)} ` +
      `(${late.lateHours.length} hours recomputed)`,
  );
  return {
    elapsedMs,
    steadyRunMs,
    lateCheckRunMs,
    chunks: r.chunks,
    fromMs: r.fromMs,
    watermarkMs: r.watermarkMs,
  };
}
