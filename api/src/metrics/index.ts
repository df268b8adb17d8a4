/** The metrics module's plain functions, for other modules (services overview, deploy impact). */
export { queryMetric, aggregationsFor, MAX_GROUPS, type QueryMetricOptions } from './query.ts';
export {
  serviceRed,
  redOverview,
  RED_SOURCES,
  GRPC_SERVER_ERRORS,
  type ServiceRedOptions,
  type RedOverview,
  type RedOverviewRow,
} from './red.ts';
export { listMetrics, metricLabels } from './catalog.ts';
export { metricsRoutes } from './routes.ts';
export { planSteps, defaultStep, MAX_POINTS, type StepPlan, type Source } from './plan.ts';
