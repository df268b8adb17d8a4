import type { Db, Logger, MetricRollupsConfig } from '@obshub/core';
import {
  HOUR_MS,
  MINUTE_MS,
  computeIncreases,
  oldestIncreaseSample,
  readWatermark,
  staleHours,
  writeWatermark,
} from './increase-store.ts';
import { LOOKBACK_SECONDS } from './increments.ts';

/**
 * The increase job (docs/metrics.md#increases): keeps metric_increase_1m and
 * metric_increase_1h up to date from raw samples. Every run computes the
 * minutes that closed since the watermark, recomputing the last
 * `marginMinutes` before it (samples arriving up to that late are counted),
 * in chunks of `chunkMinutes` when far behind (first start: from the oldest
 * sample; after downtime: from the watermark). Now and then it compares each
 * settled hour's raw sample count with the samples its increases were
 * computed from, and recomputes the hours that differ (samples later than
 * the margin). Runs are idempotent: any run may be repeated, or run by two
 * API replicas at once.
 */
export type IncreaseJobOptions = Pick<
  MetricRollupsConfig,
  'marginMinutes' | 'chunkMinutes' | 'lateCheckHours'
>;

export interface IncreaseRun {
  /** Minutes computed: [fromMs, toMs) (equal when nothing was due). */
  fromMs: number;
  toMs: number;
  chunks: number;
  watermarkMs: number;
  /** Hours recomputed by the late check (when it ran). */
  lateHours: number[];
}

/**
 * One run at `nowMs` (explicit, so tests and the bench drive it without
 * waiting for the clock). `lateCheck`: also compare and repair settled hours.
 */
export async function runIncreaseJob(
  db: Db,
  nowMs: number,
  options: IncreaseJobOptions,
  run: { lateCheck?: boolean; signal?: AbortSignal; onChunk?: (toMs: number) => void } = {},
): Promise<IncreaseRun> {
  const closedEnd = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  let watermark = await readWatermark(db);
  let from: number;
  if (watermark === 0) {
    const oldest = await oldestIncreaseSample(db, closedEnd);
    if (oldest === undefined) {
      // Nothing to compute before now; samples stored later for the past are the late check's.
      await writeWatermark(db, closedEnd);
      return { fromMs: closedEnd, toMs: closedEnd, chunks: 0, watermarkMs: closedEnd, lateHours: [] };
    }
    from = Math.floor(oldest / MINUTE_MS) * MINUTE_MS;
  } else {
    from = Math.max(0, watermark - options.marginMinutes * MINUTE_MS);
  }
  const chunkMs = options.chunkMinutes * MINUTE_MS;
  let chunks = 0;
  for (let a = from; a < closedEnd;) {
    run.signal?.throwIfAborted();
    const b = Math.min(a + chunkMs, closedEnd);
    await computeIncreases(db, a, b, run.signal);
    chunks++;
    if (b > watermark) {
      await writeWatermark(db, b);
      watermark = b;
    }
    run.onChunk?.(b);
    a = b;
  }
  const lateHours = run.lateCheck ? await repairLateHours(db, watermark, options, run.signal) : [];
  return { fromMs: from, toMs: Math.max(from, closedEnd), chunks, watermarkMs: watermark, lateHours };
}

/**
 * Hours wholly before the margin whose raw sample counts differ from their
 * increases are recomputed, with the minutes after them that a late sample
 * can change (its successor's increase, up to the look-back later).
 */
async function repairLateHours(
  db: Db,
  watermarkMs: number,
  options: IncreaseJobOptions,
  signal?: AbortSignal,
): Promise<number[]> {
  const settled = Math.floor((watermarkMs - options.marginMinutes * MINUTE_MS) / HOUR_MS) * HOUR_MS;
  const hours = await staleHours(db, settled - options.lateCheckHours * HOUR_MS, settled);
  for (const h of hours) {
    signal?.throwIfAborted();
    const end = Math.min(h + HOUR_MS + Math.ceil(LOOKBACK_SECONDS / 60) * MINUTE_MS, watermarkMs);
    await computeIncreases(db, h, end, signal);
  }
  return hours;
}

export interface IncreaseJobHandle {
  stop(): Promise<void>;
}

/**
 * Runs the job every `intervalMs` in this process (the API's main), the late
 * check every `lateCheckIntervalMs` (and on the first run). A failed run is
 * logged and retried at the next interval.
 */
export function startIncreaseJob(db: Db, log: Logger, config: MetricRollupsConfig): IncreaseJobHandle {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let lastLateCheck = 0;
  const tick = async (): Promise<void> => {
    const now = Date.now();
    const lateCheck = now - lastLateCheck >= config.lateCheckIntervalMs;
    try {
      const r = await runIncreaseJob(db, now, config, { lateCheck, signal: controller.signal });
      if (lateCheck) lastLateCheck = now;
      if (r.chunks > 1 || r.lateHours.length > 0) {
        log.info(
          { fromMs: r.fromMs, toMs: r.toMs, chunks: r.chunks, lateHours: r.lateHours.length },
          'metric increases caught up',
        );
      }
    } catch (err) {
      if (!controller.signal.aborted) log.warn({ err }, 'metric increase job failed; retrying next interval');
    }
  };
  const schedule = (delayMs: number): void => {
    timer = setTimeout(() => {
      current = tick().finally(() => {
        current = undefined;
        if (!controller.signal.aborted) schedule(config.intervalMs);
      });
    }, delayMs);
  };
  schedule(0);
  return {
    async stop() {
      controller.abort();
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
