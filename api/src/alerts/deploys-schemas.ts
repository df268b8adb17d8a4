import { Type, type Static } from '@sinclair/typebox';
import { DeployStatus } from '../deploys/schemas.ts';

/** Schemas of GET /api/alerts/:instanceId/deploys (deploys-route.ts). */
export const InstanceParams = Type.Object({
  instanceId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' }),
});

export const AlertDeploys = Type.Object({
  instanceId: Type.String(),
  service: Type.Union([Type.String(), Type.Null()]),
  environment: Type.Union([Type.String(), Type.Null()]),
  /** Epoch ms: the deploys looked for started in [activeAt - windowMs, activeAt]. */
  activeAt: Type.Number(),
  windowMs: Type.Integer(),
  /** Most recent first, at most three; empty without a service or with deploy_window 0s. */
  deploys: Type.Array(
    Type.Object({
      id: Type.String(),
      version: Type.String(),
      previousVersion: Type.Union([Type.String(), Type.Null()]),
      author: Type.String(),
      source: Type.Union([Type.Literal('reported'), Type.Literal('inferred')]),
      status: DeployStatus,
      startedAt: Type.String(),
      minutesBefore: Type.Integer(),
    }),
  ),
});
export type AlertDeploys = Static<typeof AlertDeploys>;
