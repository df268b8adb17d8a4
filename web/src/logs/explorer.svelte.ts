import { api, ApiError } from '../lib/api.ts';
import type { FacetsResult, HistogramResult, LogRecord } from '../lib/types.ts';
import { LiveTail } from './live-tail.ts';
import type { ExplorerParams } from './url-state.ts';

/** Records per search request, and the most the list holds (the API pages with a cursor). */
export const PAGE_SIZE = 500;
export const MAX_ROWS = 10_000;
const HISTOGRAM_BUCKETS = 90;
const FACET_LIMIT = 10;

export interface FacetState {
  loading: boolean;
  result: FacetsResult | undefined;
  error: string | undefined;
}

/**
 * The explorer's data: the loaded records (paged with the search cursor, up to
 * MAX_ROWS), the histogram, the facets and the live tail. The URL is the
 * source of truth for what is asked; this holds what came back.
 */
export class Explorer {
  records = $state.raw<LogRecord[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  /** The search error (a query error is shown in the search bar). */
  error = $state<ApiError | undefined>(undefined);
  elapsedMs = $state<number | undefined>(undefined);

  histogram = $state.raw<HistogramResult | undefined>(undefined);
  histogramError = $state<string | undefined>(undefined);
  facets = $state<Record<string, FacetState>>({});

  liveStatus = $state<'off' | 'connecting' | 'live' | 'error'>('off');
  liveMessage = $state<string | undefined>(undefined);
  /** Records received by the live tail since it started. */
  liveCount = $state(0);

  private abort: AbortController | undefined;
  private facetAbort: AbortController | undefined;
  /** The range the first page resolved to: later pages use it so "now" does not move. */
  private resolved: { from: string; to: string } | undefined;
  private current: ExplorerParams | undefined;
  private ids = new Set<string>();
  private tail: LiveTail | undefined;

  /** Runs the search, histogram and facets for new q / from / to. */
  load(p: ExplorerParams): void {
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    this.current = p;
    this.resolved = undefined;
    this.loading = true;
    this.error = undefined;
    this.records = [];
    this.ids = new Set();
    this.nextCursor = null;
    this.histogramError = undefined;
    const range = { q: p.q, from: p.from, to: p.to };

    api
      .search({ ...range, limit: PAGE_SIZE }, ctl.signal)
      .then((res) => {
        if (ctl.signal.aborted) return;
        this.resolved = { from: res.from, to: res.to };
        this.setRecords(res.records);
        this.nextCursor = res.nextCursor;
        this.elapsedMs = res.stats.elapsedMs;
      })
      .catch((err: unknown) => this.fail(ctl, err))
      .finally(() => {
        if (!ctl.signal.aborted) this.loading = false;
      });

    api
      .histogram({ ...range, buckets: HISTOGRAM_BUCKETS }, ctl.signal)
      .then((res) => {
        if (!ctl.signal.aborted) this.histogram = res;
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        this.histogram = undefined;
        this.histogramError = message(err);
      });

    this.loadFacets(p, p.fields, ctl.signal);
  }

  /** (Re)loads the facets of some fields for the current query. */
  loadFacets(p: ExplorerParams, fields: readonly string[], signal?: AbortSignal): void {
    let sig = signal;
    if (!sig) {
      this.facetAbort?.abort();
      this.facetAbort = new AbortController();
      sig = this.facetAbort.signal;
    }
    const all = ['service', 'env', 'severity', 'host', ...fields];
    const next: Record<string, FacetState> = {};
    for (const field of all)
      next[field] = { loading: true, result: this.facets[field]?.result, error: undefined };
    this.facets = next;
    const s = sig;
    for (const field of all) {
      api
        .facets({ q: p.q, from: p.from, to: p.to, field, limit: FACET_LIMIT }, s)
        .then((result) => {
          if (!s.aborted) this.facets[field] = { loading: false, result, error: undefined };
        })
        .catch((err: unknown) => {
          if (!s.aborted) this.facets[field] = { loading: false, result: undefined, error: message(err) };
        });
    }
  }

  /** The next page, while the list is short of MAX_ROWS. */
  loadMore(): void {
    const p = this.current;
    const cursor = this.nextCursor;
    if (!p || !cursor || this.loading || this.loadingMore || this.records.length >= MAX_ROWS) return;
    const ctl = this.abort;
    this.loadingMore = true;
    api
      .search(
        {
          q: p.q,
          from: this.resolved?.from ?? p.from,
          to: this.resolved?.to ?? p.to,
          limit: PAGE_SIZE,
          cursor,
        },
        ctl?.signal,
      )
      .then((res) => {
        if (ctl?.signal.aborted) return;
        const fresh = res.records.filter((r) => !this.ids.has(r.id));
        for (const r of fresh) this.ids.add(r.id);
        this.records = [...this.records, ...fresh].slice(0, MAX_ROWS);
        this.nextCursor = this.records.length >= MAX_ROWS ? null : res.nextCursor;
      })
      .catch((err: unknown) => {
        if (!ctl?.signal.aborted)
          this.error = err instanceof ApiError ? err : new ApiError(0, { error: message(err) });
      })
      .finally(() => {
        this.loadingMore = false;
      });
  }

  /** Starts or stops the live tail for the query. */
  setLive(on: boolean, q: string): void {
    if (this.tail && (!on || this.tail.query !== q)) {
      this.tail.close();
      this.tail = undefined;
      this.liveStatus = 'off';
    }
    if (!on || this.tail) return;
    this.liveCount = 0;
    this.liveMessage = undefined;
    this.liveStatus = 'connecting';
    this.tail = new LiveTail(q, {
      onOpen: () => {
        this.liveStatus = 'live';
        this.liveMessage = undefined;
      },
      onRecords: (batch) => this.prepend(batch),
      onError: (text, fatal) => {
        this.liveStatus = fatal ? 'error' : 'connecting';
        this.liveMessage = text;
      },
    });
  }

  /** New records from the live tail, newest first, on top of the list. */
  private prepend(batch: LogRecord[]): void {
    const fresh = batch.filter((r) => !this.ids.has(r.id));
    if (fresh.length === 0) return;
    for (const r of fresh) this.ids.add(r.id);
    fresh.sort((a, b) => compareNanos(b.timeUnixNano, a.timeUnixNano));
    this.liveCount += fresh.length;
    const merged = [...fresh, ...this.records];
    if (merged.length > MAX_ROWS) {
      for (const r of merged.slice(MAX_ROWS)) this.ids.delete(r.id);
      this.nextCursor = null;
    }
    this.records = merged.slice(0, MAX_ROWS);
  }

  private setRecords(records: LogRecord[]): void {
    // Ids key the list's rows: a duplicate must never reach it.
    this.ids = new Set();
    this.records = records.filter((r) => !this.ids.has(r.id) && this.ids.add(r.id));
  }

  private fail(ctl: AbortController, err: unknown): void {
    if (ctl.signal.aborted) return;
    this.error = err instanceof ApiError ? err : new ApiError(0, { error: message(err) });
  }

  dispose(): void {
    this.abort?.abort();
    this.facetAbort?.abort();
    this.tail?.close();
    this.tail = undefined;
  }
}

/** Orders decimal nanosecond strings without BigInt. */
function compareNanos(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
