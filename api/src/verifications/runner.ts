import { EventEmitter } from 'node:events';
import { sql, type Db, type Logger } from '@obshub/core';
import { LOCAL_ADMIN } from '../access/principal.ts';
import { chartUrl } from './chart-link.ts';
import { judge, type JudgedBaseline } from './judge.ts';
import type { Verification } from './schemas.ts';
import { readVerifications, writeVerification, type VerificationRecord } from './store.ts';
import { toVerification } from './view.ts';
import { afterAttempt, postWebhook, type WebhookPolicy } from './webhook.ts';
import { readWindow, type WindowRead } from './window-data.ts';
import { versionsFor } from './windows.ts';

/**
 * The verification runner, in the API process: on every tick it reads the
 * running verifications from ClickHouse (so a restarted API continues them),
 * updates their progress (elapsed time, requests so far), and once a
 * candidate window has ended and settled (telemetry still on its way),
 * judges it, stores the verdict, emits `completed` and delivers the
 * completion webhook (retried on later ticks with backoff).
 *
 * No early fail: each interim look at a p-value is another chance of a false
 * alarm (at 1% per look, ten looks approach 10%), and the thresholds were
 * calibrated for one look at the end (docs/verification.md#the-runner). So
 * the verdict is given once, at the end of the window.
 */
export interface Clock {
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

export interface RunnerOptions {
  db: Db;
  logger: Logger;
  tickMs: number;
  settleMs: number;
  webhook: WebhookPolicy;
  publicUrl?: string;
  clock?: Clock;
  /** A verification whose data cannot be read for this long after its window settled ends in state error. */
  giveUpMs?: number;
}

export interface RunnerEvents {
  /** A verification reached its verdict (pass, fail, inconclusive) or gave up (error). */
  completed: [Verification];
}

export class VerificationRunner extends EventEmitter<RunnerEvents> {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: RunnerOptions) {
    super();
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  /** One pass over running verifications and pending webhooks; ticks never overlap. */
  async tick(): Promise<void> {
    if (this.busy) return this.busy;
    this.busy = this.pass().finally(() => {
      this.busy = undefined;
    });
    return this.busy;
  }

  private async pass(): Promise<void> {
    try {
      const running = await readVerifications(this.options.db, sql`1`, {
        having: sql`state = 'running'`,
      });
      for (const record of running) await this.advance(record);
      const pending = await readVerifications(this.options.db, sql`webhook_json != ''`, {
        having: sql`state != 'running' AND visitParamExtractBool(webhook, 'done') = 0`,
      });
      for (const record of pending) await this.deliver(record);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'verification runner: tick failed');
    }
  }

  private async read(
    record: VerificationRecord,
    window: 'candidate' | JudgedBaseline['name'],
    fromMs: number,
    toMs: number,
    nowMs: number,
  ): Promise<WindowRead> {
    const s = record.spec;
    return readWindow(this.options.db, LOCAL_ADMIN, {
      service: s.service,
      environment: s.environment,
      versions: versionsFor(window, s.version),
      fromMs,
      toMs,
      stepSeconds: s.stepSeconds,
      nowMs,
      perInstance: s.comparison === 'canary',
    });
  }

  private async advance(record: VerificationRecord): Promise<void> {
    const nowMs = this.clock.now();
    const s = record.spec;
    const final = nowMs >= s.candidate.toMs + this.options.settleMs;
    try {
      if (final) await this.finish(record, nowMs);
      else await this.progress(record, nowMs);
    } catch (err) {
      const message = (err as Error).message;
      this.options.logger.warn({ id: s.id, err: message }, 'verification: reading telemetry failed');
      const giveUpMs = this.options.giveUpMs ?? 10 * 60_000;
      if (final && nowMs >= s.candidate.toMs + this.options.settleMs + giveUpMs) {
        record.state = 'error';
        record.error = `telemetry could not be read: ${message}`;
        await this.complete(record, nowMs);
      }
    }
  }

  private async progress(record: VerificationRecord, nowMs: number): Promise<void> {
    const s = record.spec;
    if (nowMs <= s.candidate.fromMs) return;
    const primary = s.baselines[0];
    const [candidate, baseline] = await Promise.all([
      this.read(record, 'candidate', s.candidate.fromMs, s.candidate.toMs, nowMs),
      primary ? this.read(record, primary.name, primary.fromMs, primary.toMs, nowMs) : undefined,
    ]);
    const sum = (w: WindowRead | undefined) => w?.data.traffic.reduce((a, t) => a + t.requests, 0) ?? 0;
    const elapsedSeconds = Math.min(s.windowMs, nowMs - s.candidate.fromMs) / 1000;
    record.progress = {
      elapsedSeconds,
      windowSeconds: s.windowMs / 1000,
      fraction: Math.min(1, elapsedSeconds / (s.windowMs / 1000)),
      candidateRequests: sum(candidate),
      baselineRequests: sum(baseline),
      candidateErrorLogs: candidate.data.logs.reduce((a, l) => a + l.count, 0),
      updatedAt: new Date(nowMs).toISOString(),
    };
    await writeVerification(this.options.db, record, nowMs);
  }

  private async finish(record: VerificationRecord, nowMs: number): Promise<void> {
    const s = record.spec;
    const publicUrl = this.options.publicUrl ?? '';
    const [candidate, ...reads] = await Promise.all([
      this.read(record, 'candidate', s.candidate.fromMs, s.candidate.toMs, nowMs),
      ...s.baselines.map((b) => this.read(record, b.name, b.fromMs, b.toMs, nowMs)),
    ]);
    const baselines: JudgedBaseline[] = s.baselines.map((b, i) => ({ ...b, read: reads[i] as WindowRead }));
    const verdict = judge({
      candidate: candidate,
      baselines,
      signals: s.signals,
      thresholds: s.thresholds,
      chartUrl: (b) =>
        chartUrl(
          publicUrl,
          s.service,
          s.environment,
          Math.min(b.fromMs, s.candidate.fromMs),
          s.candidate.toMs,
        ),
    });
    const sum = (w: WindowRead | undefined) => w?.data.traffic.reduce((a, t) => a + t.requests, 0) ?? 0;
    record.progress = {
      elapsedSeconds: s.windowMs / 1000,
      windowSeconds: s.windowMs / 1000,
      fraction: 1,
      candidateRequests: sum(candidate),
      baselineRequests: sum(reads[0]),
      candidateErrorLogs: candidate.data.logs.reduce((a, l) => a + l.count, 0),
      updatedAt: new Date(nowMs).toISOString(),
    };
    record.verdict = { ...verdict, decidedAt: new Date(nowMs).toISOString() };
    record.state = verdict.status;
    await this.complete(record, nowMs);
  }

  private async complete(record: VerificationRecord, nowMs: number): Promise<void> {
    if (record.webhook) record.webhook = { ...record.webhook, nextAttemptAt: new Date(nowMs).toISOString() };
    await writeVerification(this.options.db, record, nowMs);
    this.options.logger.info(
      { id: record.spec.id, service: record.spec.service, version: record.spec.version, state: record.state },
      'verification completed',
    );
    const view = toVerification(record, this.options.publicUrl ?? '');
    try {
      this.emit('completed', view);
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, 'verification completed listener failed');
    }
    if (record.webhook) await this.deliver(record);
  }

  private async deliver(record: VerificationRecord): Promise<void> {
    const hook = record.webhook;
    if (!hook || hook.done) return;
    const nowMs = this.clock.now();
    if (hook.nextAttemptAt && Date.parse(hook.nextAttemptAt) > nowMs) return;
    const payload = {
      event: 'verification.completed',
      verification: toVerification(record, this.options.publicUrl ?? ''),
    };
    const result = await postWebhook(hook.url, payload, this.options.webhook.timeoutMs);
    record.webhook = afterAttempt(hook, result, this.clock.now(), this.options.webhook);
    if (!result.error) this.options.logger.info({ id: record.spec.id }, 'verification webhook delivered');
    else
      this.options.logger.warn(
        { id: record.spec.id, error: result.error, attempt: record.webhook.attempts.length },
        'verification webhook failed',
      );
    await writeVerification(this.options.db, record, this.clock.now());
  }
}
