import { Type, type Static } from '@sinclair/typebox';

/**
 * Request and response schemas of the deploys API. A deploy is either reported
 * (POSTed by a pipeline or the `hub deploy` CLI) or inferred (the collector saw
 * a new service.version for a service and environment); a reported deploy and
 * the inferred one for the same version are one deploy.
 */
export const DEPLOY_STATUSES = ['started', 'succeeded', 'failed', 'rolled_back'] as const;
// Spelt out (not DEPLOY_STATUSES.map): the route type provider infers a mapped array's union as never.
export const DeployStatus = Type.Union([
  Type.Literal('started'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('rolled_back'),
]);
export type DeployStatus = Static<typeof DeployStatus>;

export const DeployLink = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    url: Type.String({ maxLength: 2048, pattern: '^https?://' }),
  },
  { additionalProperties: false },
);

const Time = Type.String({
  maxLength: 64,
  description: 'ISO 8601, epoch milliseconds, or relative (now, now-5m).',
});

export const DeployInput = Type.Object(
  {
    /** Client-supplied idempotency key; the same id again updates that deploy instead of adding one. */
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:/@+-]+$' })),
    service: Type.String({ minLength: 1, maxLength: 256 }),
    environment: Type.String({ maxLength: 256, default: '' }),
    version: Type.String({ minLength: 1, maxLength: 256 }),
    commitSha: Type.String({ maxLength: 64, default: '' }),
    author: Type.String({ maxLength: 256, default: '' }),
    description: Type.String({ maxLength: 4096, default: '' }),
    links: Type.Array(DeployLink, { maxItems: 10, default: [] }),
    /** Default: now. */
    startedAt: Type.Optional(Time),
    /** Default: now, unless status is "started". */
    finishedAt: Type.Optional(Time),
    status: Type.Optional(DeployStatus),
  },
  { additionalProperties: false },
);
export type DeployInput = Static<typeof DeployInput>;

export const Deploy = Type.Object({
  id: Type.String(),
  service: Type.String(),
  environment: Type.String(),
  version: Type.String(),
  /** The version seen for this service and environment before this one, when known. */
  previousVersion: Type.Union([Type.String(), Type.Null()]),
  commitSha: Type.String(),
  author: Type.String(),
  description: Type.String(),
  links: Type.Array(DeployLink),
  startedAt: Type.String({ description: 'ISO 8601, UTC.' }),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  status: DeployStatus,
  /** reported: POSTed; inferred: only seen in telemetry. */
  source: Type.Union([Type.Literal('reported'), Type.Literal('inferred')]),
  /** When the collector first saw this version in telemetry, if it did. */
  firstSeenAt: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String(),
});
export type Deploy = Static<typeof Deploy>;

export const DeployWriteResult = Type.Object({
  deploy: Deploy,
  /** false when the id already existed (the deploy was updated or left as it was). */
  created: Type.Boolean(),
});

export const DeploysQuery = Type.Object({
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  environment: Type.Optional(Type.String({ maxLength: 256 })),
  from: Type.String({ default: 'now-7d', maxLength: 64 }),
  to: Type.String({ default: 'now', maxLength: 64 }),
  source: Type.Union([Type.Literal('all'), Type.Literal('reported'), Type.Literal('inferred')], {
    default: 'all',
  }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
});
export type DeploysQuery = Static<typeof DeploysQuery>;

export const DeploysResult = Type.Object({ deploys: Type.Array(Deploy) });

/** Before/after figures of one deploy: the same window before it started and after it finished. */
export const ImpactQuery = Type.Object({
  /** Seconds; default 30 minutes. */
  window: Type.Integer({ minimum: 60, maximum: 86_400, default: 1800 }),
});

const Figure = Type.Union([Type.Number(), Type.Null()]);
export const ImpactWindow = Type.Object({
  from: Type.String(),
  to: Type.String(),
  requestRate: Figure,
  errorRatio: Figure,
  p95: Figure,
  errorLogs: Type.Integer(),
});

export const ImpactResult = Type.Object({
  deploy: Deploy,
  window: Type.Integer(),
  source: Type.Union([Type.Literal('http'), Type.Literal('rpc'), Type.Literal('logs')]),
  before: ImpactWindow,
  after: ImpactWindow,
  /** Change in percent (after vs before); null when either side has no value or before is 0. */
  change: Type.Object({
    requestRate: Figure,
    errorRatio: Figure,
    p95: Figure,
    errorLogs: Figure,
  }),
  /** The after window has not fully elapsed yet. */
  partial: Type.Boolean(),
});
export type ImpactResult = Static<typeof ImpactResult>;
