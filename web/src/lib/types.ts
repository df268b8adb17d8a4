import type { Static } from '@sinclair/typebox';
import type {
  ApiError as ApiErrorSchema,
  ContextResult as ContextResultSchema,
  FacetsResult as FacetsResultSchema,
  HistogramResult as HistogramResultSchema,
  LogRecord as LogRecordSchema,
  SearchResult as SearchResultSchema,
  ServicesResult as ServicesResultSchema,
} from '../../../api/src/logs/schemas.ts';
import type {
  MetricLabelsResult as MetricLabelsResultSchema,
  MetricQuery as MetricQuerySchema,
  MetricQueryResult as MetricQueryResultSchema,
  MetricsListResult as MetricsListResultSchema,
  Matcher as MatcherSchema,
  RedResult as RedResultSchema,
} from '../../../api/src/metrics/schemas.ts';
import type {
  Deploy as DeploySchema,
  DeploysResult as DeploysResultSchema,
  ImpactResult as ImpactResultSchema,
} from '../../../api/src/deploys/schemas.ts';
import type {
  ServiceOverviewRow as ServiceOverviewRowSchema,
  ServicesOverviewResult as ServicesOverviewResultSchema,
} from '../../../api/src/services/schemas.ts';
import type {
  ListResult as VerificationListResultSchema,
  Verification as VerificationSchema,
} from '../../../api/src/verifications/schemas.ts';

/**
 * The API contract, taken type-only from the API's own TypeBox schemas, so a
 * changed response shape breaks `npm run typecheck:web` instead of the page.
 * Type imports are erased: nothing of the API reaches the bundle.
 */
export type LogRecord = Static<typeof LogRecordSchema>;
export type SearchResult = Static<typeof SearchResultSchema>;
export type HistogramResult = Static<typeof HistogramResultSchema>;
export type HistogramBucket = HistogramResult['buckets'][number];
export type FacetsResult = Static<typeof FacetsResultSchema>;
export type ContextResult = Static<typeof ContextResultSchema>;
export type ServicesResult = Static<typeof ServicesResultSchema>;
export type ApiErrorBody = Static<typeof ApiErrorSchema>;

// Metrics, deploys and the services overview (api/src/{metrics,deploys,services}/schemas.ts).
export type MetricsListResult = Static<typeof MetricsListResultSchema>;
export type MetricLabelsResult = Static<typeof MetricLabelsResultSchema>;
export type Matcher = Static<typeof MatcherSchema>;
/** The request body of POST /api/metrics/query (defaulted fields optional, as the API fills them). */
export type MetricQuery = Omit<Static<typeof MetricQuerySchema>, 'matchers' | 'groupBy' | 'from' | 'to'> &
  Partial<Pick<Static<typeof MetricQuerySchema>, 'matchers' | 'groupBy' | 'from' | 'to'>>;
export type MetricQueryResult = Static<typeof MetricQueryResultSchema>;
export type RedResult = Static<typeof RedResultSchema>;
export type Deploy = Static<typeof DeploySchema>;
export type DeploysResult = Static<typeof DeploysResultSchema>;
export type ImpactResult = Static<typeof ImpactResultSchema>;
export type ServiceOverviewRow = Static<typeof ServiceOverviewRowSchema>;
export type ServicesOverviewResult = Static<typeof ServicesOverviewResultSchema>;

// Post-deploy verifications (api/src/verifications/schemas.ts).
export type Verification = Static<typeof VerificationSchema>;
export type VerificationListResult = Static<typeof VerificationListResultSchema>;
export type VerifiedSignal = NonNullable<Verification['verdict']>['signals'][number];

/** GET /api/session. */
export interface Whoami {
  name: string;
  kind: string;
  admin: boolean;
  teams: string[];
  scopes: string[];
  accessControl: boolean;
}
