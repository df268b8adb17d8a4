import type {
  ApiErrorBody,
  ContextResult,
  Deploy,
  DeploysResult,
  FacetsResult,
  HistogramResult,
  ImpactResult,
  LogRecord,
  MetricLabelsResult,
  MetricQuery,
  MetricQueryResult,
  MetricsListResult,
  RedResult,
  SearchResult,
  ServicesOverviewResult,
  ServicesResult,
  Verification,
  VerificationListResult,
  Whoami,
} from './types.ts';

/** An error answer of the API, with the query error position when there is one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly position: number | undefined;
  readonly expected: readonly string[] | undefined;

  constructor(status: number, body: Partial<ApiErrorBody>) {
    super(body.error ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code ?? 'HTTP_ERROR';
    this.position = body.position;
    this.expected = body.expected;
  }

  /** A query error the search bar can point at. */
  get isQueryError(): boolean {
    return this.code.startsWith('HUB_QUERY_');
  }
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called whenever any request answers 401: the app shows the sign-in page. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export async function request<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { error: text.slice(0, 200) };
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/session')) {
      for (const l of unauthenticatedListeners) l();
    }
    throw new ApiError(res.status, (body ?? {}) as Partial<ApiErrorBody>);
  }
  return body as T;
}

export function qs(params: Record<string, string | number | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  return u.toString();
}

export interface RangeParams {
  q: string;
  from: string;
  to: string;
}

export const api = {
  session: () => request<Whoami>('GET', '/api/session'),
  signIn: (token: string) => request<Whoami>('POST', '/api/session', { body: JSON.stringify({ token }) }),
  signOut: () => request<undefined>('DELETE', '/api/session'),

  search: (p: RangeParams & { limit: number; cursor?: string | undefined }, signal?: AbortSignal) =>
    request<SearchResult>('GET', `/api/logs/search?${qs({ ...p })}`, { signal }),
  histogram: (p: RangeParams & { buckets: number }, signal?: AbortSignal) =>
    request<HistogramResult>('GET', `/api/logs/histogram?${qs({ ...p })}`, { signal }),
  facets: (p: RangeParams & { field: string; limit: number }, signal?: AbortSignal) =>
    request<FacetsResult>('GET', `/api/logs/facets?${qs({ ...p })}`, { signal }),
  services: (signal?: AbortSignal) => request<ServicesResult>('GET', '/api/services', { signal }),
  record: (id: string, signal?: AbortSignal) =>
    request<LogRecord>('GET', `/api/logs/records/${encodeURIComponent(id)}`, { signal }),
  context: (id: string, around: number, signal?: AbortSignal) =>
    request<ContextResult>(
      'GET',
      `/api/logs/records/${encodeURIComponent(id)}/context?${qs({ before: around, after: around })}`,
      { signal },
    ),

  servicesOverview: (p: { from: string; to: string }, signal?: AbortSignal) =>
    request<ServicesOverviewResult>('GET', `/api/services/overview?${qs({ ...p })}`, { signal }),
  red: (
    service: string,
    p: { environment?: string | undefined; from: string; to: string; step?: number; by: 'version' | 'none' },
    signal?: AbortSignal,
  ) =>
    request<RedResult>('GET', `/api/services/${encodeURIComponent(service)}/red?${qs({ ...p })}`, {
      signal,
    }),
  metrics: (
    p: { service?: string; environment?: string | undefined; from: string; to: string },
    signal?: AbortSignal,
  ) => request<MetricsListResult>('GET', `/api/metrics?${qs({ ...p })}`, { signal }),
  metricLabels: (
    p: { metric: string; service?: string; environment?: string | undefined; from: string; to: string },
    signal?: AbortSignal,
  ) => request<MetricLabelsResult>('GET', `/api/metrics/labels?${qs({ ...p })}`, { signal }),
  metricQuery: (body: MetricQuery, signal?: AbortSignal) =>
    request<MetricQueryResult>('POST', '/api/metrics/query', { body: JSON.stringify(body), signal }),
  deploys: (
    p: {
      service?: string | undefined;
      environment?: string | undefined;
      from?: string;
      to?: string;
      source?: 'all' | 'reported' | 'inferred';
      limit?: number;
    },
    signal?: AbortSignal,
  ) => request<DeploysResult>('GET', `/api/deploys?${qs({ ...p })}`, { signal }),
  deploy: (id: string, signal?: AbortSignal) =>
    request<Deploy>('GET', `/api/deploys/${encodeURIComponent(id)}`, { signal }),
  impact: (id: string, windowSeconds: number, signal?: AbortSignal) =>
    request<ImpactResult>(
      'GET',
      `/api/deploys/${encodeURIComponent(id)}/impact?${qs({ window: windowSeconds })}`,
      { signal },
    ),
  verification: (id: string, signal?: AbortSignal) =>
    request<Verification>('GET', `/api/verifications/${encodeURIComponent(id)}`, { signal }),
  verifications: (
    p: { service?: string | undefined; environment?: string | undefined; deployId?: string; limit?: number },
    signal?: AbortSignal,
  ) => request<VerificationListResult>('GET', `/api/verifications?${qs({ ...p })}`, { signal }),
};

/** The live tail's URL (EventSource sends the session cookie same-origin). */
export function tailUrl(q: string): string {
  return `/api/logs/tail?${qs({ q })}`;
}
