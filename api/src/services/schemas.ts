import { Type, type Static } from '@sinclair/typebox';
import { Deploy } from '../deploys/schemas.ts';

/**
 * The services list: one row per service and environment the caller may see,
 * with its current RED figures, a sparkline and its last deploy.
 */
export const ServicesOverviewQuery = Type.Object({
  from: Type.String({ default: 'now-1h', maxLength: 64 }),
  to: Type.String({ default: 'now', maxLength: 64 }),
});
export type ServicesOverviewQuery = Static<typeof ServicesOverviewQuery>;

const Figure = Type.Union([Type.Number(), Type.Null()]);

export const ServiceOverviewRow = Type.Object({
  service: Type.String(),
  environment: Type.String(),
  /** Where request figures come from; "logs": no server duration histogram (request figures are null). */
  source: Type.Union([Type.Literal('http'), Type.Literal('rpc'), Type.Literal('logs')]),
  /** Requests per second over the range. */
  requestRate: Figure,
  /** Failed / all requests, 0..1. */
  errorRatio: Figure,
  /** p95 latency in seconds. */
  p95: Figure,
  /** Error (or worse) log records per second. */
  errorLogRate: Figure,
  /** Request rate per step (error log rate when source is logs), for a sparkline. */
  sparkline: Type.Array(Figure),
  lastDeploy: Type.Union([Deploy, Type.Null()]),
  /** Firing alerts for this service and environment; null while alerting is not set up. */
  firingAlerts: Type.Union([Type.Integer(), Type.Null()]),
});
export type ServiceOverviewRow = Static<typeof ServiceOverviewRow>;

export const ServicesOverviewResult = Type.Object({
  from: Type.String(),
  to: Type.String(),
  step: Type.Integer(),
  timestamps: Type.Array(Type.Number()),
  rows: Type.Array(ServiceOverviewRow),
});
export type ServicesOverviewResult = Static<typeof ServicesOverviewResult>;
