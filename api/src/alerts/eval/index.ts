/** Alert evaluation (docs/alerting.md): queries, the state machine, persistence, scheduling. */
export { AlertEngine, NO_PUBLISHER, type AlertEngineOptions, type GroupEvaluation } from './engine.ts';
export { AlertScheduler, SYSTEM_CLOCK, nextSlot, type Clock } from './scheduler.ts';
export { startAlerting, type Alerting, type StartAlertingOptions } from './service.ts';
export { step, holds, recovered, inactiveInstance } from './transition.ts';
export { policyOf, instanceId, instanceLabels, applyResult } from './apply.ts';
export { toNotice, renderAnnotations, serviceOf, environmentOf, shouldPublish } from './notices.ts';
export { reduce } from './metric-queries.ts';
export { readHistory, loadStates, type RuleStatus, type EvalOutcome, type HistoryEntry } from './store.ts';
export {
  RESOLVED_RETENTION_MS,
  type InstanceState,
  type InstanceStateName,
  type Observation,
  type StatePolicy,
  type Transition,
} from './state.ts';
