import { ApiError } from './api.ts';

/**
 * One API answer a page shows: loading, the data, or the error. A new load
 * aborts the one in flight, so a slow old answer never replaces a newer one.
 */
export class Resource<T> {
  data = $state.raw<T | undefined>(undefined);
  error = $state<ApiError | undefined>(undefined);
  loading = $state(false);
  private ctl: AbortController | undefined;

  load(fetcher: (signal: AbortSignal) => Promise<T>, keepData = true): void {
    this.ctl?.abort();
    const ctl = new AbortController();
    this.ctl = ctl;
    this.loading = true;
    this.error = undefined;
    if (!keepData) this.data = undefined;
    fetcher(ctl.signal)
      .then((d) => {
        if (!ctl.signal.aborted) this.data = d;
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        this.data = undefined;
        this.error =
          err instanceof ApiError
            ? err
            : new ApiError(0, { error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        if (!ctl.signal.aborted) this.loading = false;
      });
  }

  /** Forgets the data (a page that shows nothing for a missing input). */
  reset(): void {
    this.ctl?.abort();
    this.data = undefined;
    this.error = undefined;
    this.loading = false;
  }

  dispose(): void {
    this.ctl?.abort();
  }
}
