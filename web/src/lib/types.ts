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

/** GET /api/session. */
export interface Whoami {
  name: string;
  kind: string;
  admin: boolean;
  teams: string[];
  scopes: string[];
  accessControl: boolean;
}
