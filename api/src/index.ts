export { buildApp, type BuildAppOptions } from './app.ts';
export { ApiErrors } from './errors.ts';
export { serveWeb, WEB_DIST_DIR } from './web/static.ts';
export { listDeploys, getDeploy, type ListDeploysOptions } from './deploys/list.ts';
export { recordDeploy, type RecordDeployInput, type RecordResult } from './deploys/record.ts';
export {
  startAlerts,
  type AlertsRuntime,
  type AlertsClock,
  type StartAlertsOptions,
} from './alerts/start.ts';
export {
  VerificationRunner,
  SYSTEM_CLOCK,
  type Clock,
  type RunnerOptions,
  type RunnerEvents,
} from './verifications/runner.ts';
export type { Verification, VerdictResult, VerifiedSignal } from './verifications/schemas.ts';
export { loadProfiles, parseProfiles, profilesJsonSchema } from './verifications/profiles.ts';
