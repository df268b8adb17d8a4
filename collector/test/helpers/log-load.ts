import protobuf from 'protobufjs/minimal.js';

/**
 * A load generator that behaves like an OTLP/HTTP exporter and keeps the books
 * a "never loses what it acknowledged" test needs: every log record carries a
 * unique body (`c<client>-r<seq>`), a request that got 200 marks its records
 * acknowledged, a retryable answer (429/502/503/504) or a connection failure
 * makes the sender resend the same records, as exporters do.
 */

const LEN = 2;
const I64 = 1;
const VARINT = 0;
const tag = (field: number, wire: number): number => (field << 3) | wire;
const DAY_NS = 86_400n * 1_000_000_000n;

/** ExportLogsServiceRequest with one resource (service.name), one scope and string-bodied INFO records. */
export function encodeLogsRequest(
  service: string,
  records: ReadonlyArray<{ body: string; timeNs: bigint }>,
): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(tag(1, LEN)).fork(); // resource_logs
  w.uint32(tag(1, LEN)).fork(); // resource
  w.uint32(tag(1, LEN)).fork(); // attributes
  w.uint32(tag(1, LEN)).string('service.name');
  w.uint32(tag(2, LEN)).fork().uint32(tag(1, LEN)).string(service).ldelim();
  w.ldelim();
  w.ldelim();
  w.uint32(tag(2, LEN)).fork(); // scope_logs
  w.uint32(tag(1, LEN)).fork().uint32(tag(1, LEN)).string('faults').ldelim();
  for (const { body, timeNs } of records) {
    w.uint32(tag(2, LEN)).fork(); // log_records
    w.uint32(tag(1, I64))
      .fixed32(Number(timeNs & 0xffffffffn))
      .fixed32(Number(timeNs >> 32n));
    w.uint32(tag(2, VARINT)).int32(9);
    w.uint32(tag(5, LEN)).fork().uint32(tag(1, LEN)).string(body).ldelim();
    w.ldelim();
  }
  w.ldelim();
  w.ldelim();
  return Buffer.from(w.finish());
}

/**
 * Records alternate between now and a day earlier, so every batch spans two
 * daily partitions and an INSERT cut short can land in part.
 */
export function defaultTimeNs(_client: number, seq: number): bigint {
  return BigInt(Date.now()) * 1_000_000n - (seq % 2 === 0 ? 0n : DAY_NS) + BigInt(seq % 1000);
}

export interface LogLoadOptions {
  /** Collector base URL; a function so a restarted collector can move. */
  url: string | (() => string);
  senders: number;
  recordsPerRequest: number;
  /** Pause between two requests of one sender. */
  pauseMs?: number;
  /** Upper bound on the wait a Retry-After asks for (keeps tests short). */
  maxRetryDelayMs?: number;
  /** Wait after a connection failure before resending. */
  connectRetryMs?: number;
  requestTimeoutMs?: number;
  /** time_unix_nano of a record (default: defaultTimeNs). */
  timeNs?: (client: number, seq: number) => bigint;
}

export interface LoadReport {
  /** Bodies of records the collector answered 200 for. */
  acked: Set<string>;
  /** Bodies of every record sent at least once. */
  sent: Set<string>;
  /**
   * Bodies whose request failed without an answer (connection reset, timeout):
   * the collector may have made them durable before it died, so a resend can
   * legitimately store them twice. Every other record must be stored at most once.
   */
  uncertain: Set<string>;
  /** Count of retryable answers per status. */
  retryable: Map<number, number>;
  /** Retry-After values seen on retryable answers. */
  retryAfter: Set<string>;
  connectionErrors: number;
  /** Answers no exporter should get here (4xx, 500, partial success). */
  unexpected: string[];
  requests: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class LogLoad {
  readonly report: LoadReport = {
    acked: new Set(),
    sent: new Set(),
    uncertain: new Set(),
    retryable: new Map(),
    retryAfter: new Set(),
    connectionErrors: 0,
    unexpected: [],
    requests: 0,
  };
  private stopping = false;
  private running: Promise<void>[] = [];

  constructor(private readonly options: LogLoadOptions) {}

  start(): this {
    for (let c = 0; c < this.options.senders; c++) this.running.push(this.sender(c));
    return this;
  }

  /** Stops after each sender's current attempt; resends that are still owed are abandoned. */
  async stop(): Promise<LoadReport> {
    this.stopping = true;
    await Promise.all(this.running);
    this.running = [];
    return this.report;
  }

  /** Resolves once `n` more records have been acknowledged (or rejects after timeoutMs). */
  async waitForAcks(n: number, timeoutMs = 20_000): Promise<void> {
    const target = this.report.acked.size + n;
    const deadline = Date.now() + timeoutMs;
    while (this.report.acked.size < target) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.report.acked.size}/${target} records acknowledged`);
      await sleep(20);
    }
  }

  private url(): string {
    const u = this.options.url;
    return `${typeof u === 'function' ? u() : u}/v1/logs`;
  }

  private async sender(client: number): Promise<void> {
    const r = this.report;
    let seq = 0;
    while (!this.stopping) {
      const timeNs = this.options.timeNs ?? defaultTimeNs;
      const records: Array<{ body: string; timeNs: bigint }> = [];
      for (let i = 0; i < this.options.recordsPerRequest; i++, seq++) {
        records.push({ body: `c${client}-r${seq}`, timeNs: timeNs(client, seq) });
      }
      const bodies = records.map((rec) => rec.body);
      for (const b of bodies) r.sent.add(b);
      const payload = encodeLogsRequest(`svc-${client % 3}`, records);
      // Resend the same records until they are acknowledged (or the test stops the load).
      for (;;) {
        r.requests++;
        let res: Response;
        try {
          res = await fetch(this.url(), {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: payload,
            signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
          });
        } catch {
          r.connectionErrors++;
          for (const b of bodies) r.uncertain.add(b);
          if (this.stopping) break;
          await sleep(this.options.connectRetryMs ?? 100);
          continue;
        }
        const answer = Buffer.from(await res.arrayBuffer());
        if (res.status === 200) {
          // An empty ExportLogsServiceResponse: no partial_success, every record stored.
          if (answer.length > 0) r.unexpected.push(`200 with partial success (${answer.length} bytes)`);
          for (const b of bodies) r.acked.add(b);
          break;
        }
        if ([429, 502, 503, 504].includes(res.status)) {
          r.retryable.set(res.status, (r.retryable.get(res.status) ?? 0) + 1);
          const retryAfter = res.headers.get('retry-after');
          if (retryAfter !== null) r.retryAfter.add(retryAfter);
          if (this.stopping) break;
          const askedMs = retryAfter !== null ? Number(retryAfter) * 1000 : 200;
          await sleep(Math.min(askedMs, this.options.maxRetryDelayMs ?? 1000));
          continue;
        }
        r.unexpected.push(`${res.status}: ${answer.toString('utf8').slice(0, 200)}`);
        break;
      }
      if (this.options.pauseMs) await sleep(this.options.pauseMs);
    }
  }
}
