import { tailUrl } from '../lib/api.ts';
import type { LogRecord } from '../lib/types.ts';

export interface TailHandlers {
  onOpen(): void;
  /** Records that arrived since the last animation frame, in arrival order. */
  onRecords(records: LogRecord[]): void;
  /** `fatal`: the stream is closed and will not come back (e.g. a bad query). */
  onError(message: string, fatal: boolean): void;
}

/**
 * The live tail: an EventSource on /api/logs/tail. Records are batched per
 * animation frame so a burst of a thousand records re-renders the list once.
 * EventSource reconnects by itself after a network error.
 */
export class LiveTail {
  private source: EventSource;
  private pending: LogRecord[] = [];
  private frame = 0;

  constructor(
    readonly query: string,
    private readonly handlers: TailHandlers,
  ) {
    this.source = new EventSource(tailUrl(query));
    this.source.addEventListener('open', () => handlers.onOpen());
    this.source.addEventListener('record', (e) => {
      try {
        this.pending.push(JSON.parse((e as MessageEvent<string>).data) as LogRecord);
      } catch {
        return;
      }
      if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
    });
    // The server's `event: error` (a MessageEvent with data) and the
    // connection's own error (a plain Event) share the name.
    this.source.addEventListener('error', (e) => {
      if (e instanceof MessageEvent && typeof e.data === 'string') {
        let text = e.data;
        try {
          text = (JSON.parse(e.data) as { error?: string }).error ?? text;
        } catch {
          // keep the raw text
        }
        handlers.onError(text, false);
        return;
      }
      const closed = this.source.readyState === EventSource.CLOSED;
      handlers.onError(closed ? 'live tail stopped (the server refused it)' : 'reconnecting…', closed);
    });
  }

  private flush(): void {
    this.frame = 0;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.handlers.onRecords(batch);
  }

  close(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.source.close();
  }
}
