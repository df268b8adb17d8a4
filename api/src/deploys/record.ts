import { randomUUID } from 'node:crypto';
import { DEPLOY_COLUMNS, columnNames, join, sql, trusted, type Db } from '@obshub/core';
import { maySee, scopeCondition, type Principal } from '../access/principal.ts';
import { parseTime } from '../common/time-range.ts';
import { ApiErrors } from '../errors.ts';
import { reportedWithContext } from './list.ts';
import { INFERRED_PREFIX } from './merge.ts';
import { readReported, type StoredDeploy } from './queries.ts';
import type { Deploy, DeployInput, DeployStatus } from './schemas.ts';
import { keyedQueue } from '../common/keyed-queue.ts';

/** The largest time a deploy can carry (DateTime's range, like every time in the hub). */
const MAX_TIME_MS = 4_294_967_295_000;
const COLUMNS = trusted(columnNames(DEPLOY_COLUMNS).join(', '));

/** DeployInput as code passes it: the fields with defaults may be left out. */
export type RecordDeployInput = Omit<
  DeployInput,
  'environment' | 'commitSha' | 'author' | 'description' | 'links'
> &
  Partial<Pick<DeployInput, 'environment' | 'commitSha' | 'author' | 'description' | 'links'>>;

export interface RecordResult {
  deploy: Deploy;
  /** false: the id existed; the deploy was updated, or left as it was when nothing changed. */
  created: boolean;
}

/**
 * Records a reported deploy, idempotent on its id: the same id again updates
 * that deploy (status, finish time, details) and answers created: false; an
 * id already used for another service or environment is a conflict.
 * Needs the deploy scope and the service and environment in the caller's teams.
 *
 * On an update, a field the request leaves out (or sends empty) keeps its
 * stored value; a status other than started without a finish time finishes
 * the deploy now, unless it already had a finish time.
 */
export async function recordDeploy(
  db: Db,
  principal: Principal,
  input: RecordDeployInput,
  options: { nowMs?: number; signal?: AbortSignal } = {},
): Promise<RecordResult> {
  const environment = input.environment ?? '';
  if (!principal.admin && !principal.scopes.includes('deploy'))
    throw new ApiErrors.FORBIDDEN('reporting a deploy needs a token with the "deploy" scope');
  if (!maySee(principal, input.service, environment))
    throw new ApiErrors.FORBIDDEN(
      `service "${input.service}" in environment "${environment}" is not one of your teams' services`,
    );
  if (input.id?.startsWith(INFERRED_PREFIX))
    throw new ApiErrors.BAD_REQUEST(
      `id must not start with "${INFERRED_PREFIX}" (reserved for inferred deploys)`,
    );
  const id = input.id ?? randomUUID();
  return serialized(`${db.database}\u0000${id}`, async () => {
    const nowMs = options.nowMs ?? Date.now();
    const [existing] = await readReported(db, { where: sql`id = ${id}`, limit: 1 }, options.signal);
    if (existing && (existing.service !== input.service || existing.environment !== environment))
      throw new ApiErrors.CONFLICT(
        `deploy id "${id}" is already used for another service or environment; use a new id`,
      );
    const next = merged(id, input, environment, existing, nowMs);
    const scope = scopeCondition(principal);
    if (existing && same(existing, next))
      return { deploy: await reportedWithContext(db, scope, existing, options.signal), created: false };
    // Strictly increasing versions: the ReplacingMergeTree and argMax keep this write.
    next.updatedAtMs = Math.max(nowMs, (existing?.updatedAtMs ?? 0) + 1);
    await insert(db, next);
    return { deploy: await reportedWithContext(db, scope, next, options.signal), created: !existing };
  });
}

function time(text: string | undefined, nowMs: number, what: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTime(text, nowMs, what);
  if (ms < 0 || ms > MAX_TIME_MS) throw new ApiErrors.BAD_REQUEST(`${what} is outside the storable range`);
  return ms;
}

function merged(
  id: string,
  input: RecordDeployInput,
  environment: string,
  existing: StoredDeploy | undefined,
  nowMs: number,
): StoredDeploy {
  const status: DeployStatus = input.status ?? (existing?.status as DeployStatus | undefined) ?? 'succeeded';
  const startedAtMs = time(input.startedAt, nowMs, 'startedAt') ?? existing?.startedAtMs ?? nowMs;
  const finishedGiven = time(input.finishedAt, nowMs, 'finishedAt');
  let finishedAtMs: number | null;
  if (status === 'started') {
    if (finishedGiven !== undefined)
      throw new ApiErrors.BAD_REQUEST('finishedAt cannot be set while status is "started"');
    finishedAtMs = null;
  } else {
    finishedAtMs = finishedGiven ?? existing?.finishedAtMs ?? Math.max(nowMs, startedAtMs);
  }
  if (finishedAtMs !== null && finishedAtMs < startedAtMs)
    throw new ApiErrors.BAD_REQUEST('finishedAt is before startedAt');
  const keep = (value: string | undefined, stored: string | undefined): string =>
    value !== undefined && value !== '' ? value : (stored ?? '');
  const links = input.links ?? [];
  return {
    id,
    service: input.service,
    environment,
    version: input.version,
    commitSha: keep(input.commitSha, existing?.commitSha),
    author: keep(input.author, existing?.author),
    description: keep(input.description, existing?.description),
    links: links.length > 0 ? links.map((l) => ({ name: l.name, url: l.url })) : (existing?.links ?? []),
    startedAtMs,
    finishedAtMs,
    status,
    updatedAtMs: existing?.updatedAtMs ?? nowMs,
  };
}

function same(a: StoredDeploy, b: StoredDeploy): boolean {
  return (
    a.version === b.version &&
    a.commitSha === b.commitSha &&
    a.author === b.author &&
    a.description === b.description &&
    JSON.stringify(a.links) === JSON.stringify(b.links) &&
    a.startedAtMs === b.startedAtMs &&
    a.finishedAtMs === b.finishedAtMs &&
    a.status === b.status
  );
}

async function insert(db: Db, d: StoredDeploy): Promise<void> {
  const values = [
    sql`${d.id}`,
    sql`${d.service}`,
    sql`${d.environment}`,
    sql`${d.version}`,
    sql`${d.commitSha}`,
    sql`${d.author}`,
    sql`${d.description}`,
    sql`${d.links.map((l) => l.name)}`,
    sql`${d.links.map((l) => l.url)}`,
    sql`${d.startedAtMs}`,
    sql`${d.finishedAtMs ?? 0}`,
    sql`${d.status}`,
    sql`${d.updatedAtMs}`,
  ];
  // In a cluster the write goes through the Distributed table: synchronously, so it is read back at once.
  await db.command(
    sql`INSERT INTO deploys (${COLUMNS}) VALUES (${join(values, ', ')})`,
    db.cluster ? { settings: { insert_distributed_sync: 1 } } : {},
  );
}

/** Writes of one id run one after another in this process (read, compare, write). */
const serialized = keyedQueue();
