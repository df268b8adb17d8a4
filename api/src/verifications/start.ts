import { randomUUID } from 'node:crypto';
import type { Db } from '@obshub/core';
import { maySee, type Principal } from '../access/principal.ts';
import { parseDuration } from '../alerts/rules/durations.ts';
import { parseTime } from '../common/time-range.ts';
import { getDeploy } from '../deploys/list.ts';
import { ApiErrors } from '../errors.ts';
import type { SignalName } from '../verify/types.ts';
import { MAX_WINDOW_MS, MIN_WINDOW_MS, type Profiles } from './profiles.ts';
import type { StartVerificationInput, ThresholdOverrides } from './schemas.ts';
import { readVerification, writeVerification, type VerificationRecord } from './store.ts';
import { planWindows } from './windows.ts';
import { keyedQueue } from '../common/keyed-queue.ts';
import { webhookUrlProblem } from './webhook-guard.ts';

/** Defaults of a verification when neither the request nor its profile says. */
export const DEFAULT_SIGNALS: readonly SignalName[] = [
  'error_rate',
  'latency',
  'request_rate',
  'new_log_patterns',
];
export const DEFAULT_WINDOW = '10m';
/** A start time more than this far ahead is a mistake (clock or units), not a plan. */
const MAX_FUTURE_MS = 3_600_000;

export type StartInput = Omit<StartVerificationInput, 'environment'> & { environment?: string };

function mergeThresholds(base: ThresholdOverrides = {}, over: ThresholdOverrides = {}): ThresholdOverrides {
  const out: ThresholdOverrides = {};
  for (const key of ['errorRate', 'latency', 'requestRate', 'logPatterns'] as const) {
    const merged = { ...base[key], ...over[key] };
    if (Object.keys(merged).length > 0) (out as Record<string, unknown>)[key] = merged;
  }
  return out;
}

/**
 * Starts a verification, idempotent on its id: the same id again answers the
 * existing verification (created false) when it is for the same service,
 * environment and version, else a conflict. Needs the deploy scope and the
 * service in the caller's teams.
 */
export async function startVerification(
  db: Db,
  principal: Principal,
  input: StartInput,
  options: { profiles: Profiles; nowMs: number; signal?: AbortSignal },
): Promise<{ record: VerificationRecord; created: boolean }> {
  const environment = input.environment ?? '';
  if (!principal.admin && !principal.scopes.includes('deploy'))
    throw new ApiErrors.FORBIDDEN('starting a verification needs a token with the "deploy" scope');
  if (!maySee(principal, input.service, environment))
    throw new ApiErrors.FORBIDDEN(
      `service "${input.service}" in environment "${environment}" is not one of your teams' services`,
    );
  const id = input.id ?? randomUUID();
  return serialized(`${db.database}\u0000${id}`, async () => {
    if (input.id !== undefined) {
      const existing = await readVerification(db, id, options.signal);
      if (existing) {
        const s = existing.spec;
        if (s.service !== input.service || s.environment !== environment || s.version !== input.version)
          throw new ApiErrors.CONFLICT(
            `verification id "${id}" is already used for ${s.service} ${s.version} in "${s.environment}"; use a new id`,
          );
        return { record: existing, created: false };
      }
    }
    const record = await newRecord(db, principal, id, environment, input, options);
    await writeVerification(db, record, options.nowMs);
    return { record, created: true };
  });
}

async function newRecord(
  db: Db,
  principal: Principal,
  id: string,
  environment: string,
  input: StartInput,
  options: { profiles: Profiles; nowMs: number; signal?: AbortSignal },
): Promise<VerificationRecord> {
  const { nowMs } = options;
  const profile = input.profile === undefined ? undefined : options.profiles.get(input.profile);
  if (input.profile !== undefined && !profile) {
    const known = [...options.profiles.keys()];
    throw new ApiErrors.VERIFICATION_UNKNOWN_PROFILE(
      `profile "${input.profile}" is not defined${known.length ? `; known profiles: ${known.join(', ')}` : ' (no profiles file is loaded)'}`,
    );
  }
  const windowText = input.window ?? profile?.window ?? DEFAULT_WINDOW;
  const windowMs = parseDuration(windowText);
  if (windowMs === undefined || windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS)
    throw new ApiErrors.BAD_REQUEST(`window must be from 1m to 6h, got "${windowText}"`);

  let liveMs: number | undefined;
  let deployStartMs: number | undefined;
  if (input.deployId !== undefined) {
    const deploy = await getDeploy(db, principal, input.deployId, options.signal);
    if (!deploy) throw new ApiErrors.NOT_FOUND(`deploy "${input.deployId}"`);
    if (
      deploy.service !== input.service ||
      deploy.environment !== environment ||
      deploy.version !== input.version
    )
      throw new ApiErrors.VERIFICATION_DEPLOY_MISMATCH(
        `deploy "${input.deployId}" is ${deploy.service} ${deploy.version} in "${deploy.environment}", not ${input.service} ${input.version} in "${environment}"`,
      );
    deployStartMs = Date.parse(deploy.startedAt);
    liveMs = deploy.finishedAt ? Date.parse(deploy.finishedAt) : deployStartMs;
  }
  if (input.startAt !== undefined) {
    liveMs = parseTime(input.startAt, nowMs, 'startAt');
    if (liveMs < 0 || liveMs > nowMs + MAX_FUTURE_MS)
      throw new ApiErrors.BAD_REQUEST('startAt must not be more than an hour ahead');
  }
  liveMs ??= nowMs;
  const comparison = input.comparison ?? profile?.comparison ?? 'before-after';
  const planned = planWindows(comparison, windowMs, liveMs, deployStartMs ?? liveMs);
  const webhookUrl = input.webhookUrl ?? null;
  const webhookProblem = webhookUrl === null ? null : webhookUrlProblem(webhookUrl);
  if (webhookProblem) throw new ApiErrors.BAD_REQUEST(webhookProblem);
  return {
    spec: {
      id,
      service: input.service,
      environment,
      version: input.version,
      deployId: input.deployId ?? null,
      profile: input.profile ?? null,
      comparison,
      signals: [...(input.signals ?? profile?.signals ?? DEFAULT_SIGNALS)],
      windowMs,
      stepSeconds: planned.stepSeconds,
      thresholds: mergeThresholds(profile?.thresholds, input.thresholds),
      candidate: planned.candidate,
      baselines: planned.baselines,
      webhookUrl,
      createdAtMs: nowMs,
    },
    state: 'running',
    progress: {
      elapsedSeconds: 0,
      windowSeconds: windowMs / 1000,
      fraction: 0,
      candidateRequests: 0,
      baselineRequests: 0,
      candidateErrorLogs: 0,
      updatedAt: null,
    },
    verdict: null,
    error: null,
    webhook: webhookUrl
      ? { url: webhookUrl, delivered: false, done: false, attempts: [], nextAttemptAt: null }
      : null,
    updatedAtMs: 0,
  };
}

/** Starts of one id run one after another in this process (read, compare, write). */
const serialized = keyedQueue();
