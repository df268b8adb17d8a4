import http from 'node:http';
import protobuf from 'protobufjs/minimal.js';
import { logsRequest, metricsRequest } from './workload.ts';

/**
 * The load generator, run as its own process (forked by bench/ingest.ts) so it
 * does not share an event loop or a core's time slice with the collector. It
 * encodes its requests before it reports ready; during a run it only writes
 * pre-encoded bodies over keep-alive connections. A request answered 429/503 is
 * sent again after Retry-After (or retryDelayMs when set), as OTLP exporters do.
 */
export interface ClientSetup {
  kind: 'logs' | 'metrics';
  url: string;
  distinctRequests: number;
  recordsPerRequest: number;
  baseNs: string;
  seed: number;
}

export interface RunCommand {
  seconds: number;
  concurrency: number;
  /** Delay before resending a refused request; 0: honour Retry-After. */
  retryDelayMs: number;
}

export interface RunResult {
  sentRequests: number;
  acked: number;
  ackedItems: number;
  status429: number;
  status503: number;
  otherStatus: number;
  networkErrors: number;
  rejectedItems: number;
  firstError: string;
  startedAt: number;
  lastAckAt: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export type ParentMessage =
  { type: 'setup'; setup: ClientSetup } | { type: 'run'; run: RunCommand } | { type: 'exit' };

export type ClientMessage =
  { type: 'ready'; bodies: number; bytes: number; items: number } | { type: 'result'; result: RunResult };

interface Payload {
  body: Buffer;
  items: number;
}

/** ExportXServiceResponse.partial_success.rejected_* (field 1.1), 0 when absent. */
function rejectedOf(body: Buffer): number {
  if (body.length === 0) return 0;
  const r = protobuf.Reader.create(body);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) {
        const t = r.uint32();
        if (t === ((1 << 3) | 0)) return Number(r.int64());
        r.skipType(t & 7);
      }
    } else r.skipType(tag & 7);
  }
  return 0;
}

function post(
  agent: http.Agent,
  url: URL,
  body: Buffer,
): Promise<{ status: number; retryAfter: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Number(res.headers['retry-after'] ?? 1),
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function run(setup: ClientSetup, payloads: Payload[], cmd: RunCommand): Promise<RunResult> {
  const url = new URL(setup.kind === 'logs' ? '/v1/logs' : '/v1/metrics', setup.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: cmd.concurrency });
  const res: RunResult = {
    sentRequests: 0,
    acked: 0,
    ackedItems: 0,
    status429: 0,
    status503: 0,
    otherStatus: 0,
    networkErrors: 0,
    rejectedItems: 0,
    firstError: '',
    startedAt: Date.now(),
    lastAckAt: Date.now(),
    latencyP50Ms: 0,
    latencyP99Ms: 0,
    cpuUserMs: 0,
    cpuSystemMs: 0,
  };
  const cpu0 = process.cpuUsage();
  const latencies: number[] = [];
  const deadline = res.startedAt + cmd.seconds * 1000;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const p = payloads[next++ % payloads.length] as Payload;
      // Resend until acknowledged: every payload taken is eventually counted once.
      for (;;) {
        const t0 = performance.now();
        res.sentRequests++;
        let answer: { status: number; retryAfter: number; body: Buffer };
        try {
          answer = await post(agent, url, p.body);
        } catch (err) {
          res.networkErrors++;
          res.firstError ||= (err as Error).message;
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (answer.status === 200) {
          latencies.push(performance.now() - t0);
          const rejected = rejectedOf(answer.body);
          res.rejectedItems += rejected;
          res.acked++;
          res.ackedItems += p.items - rejected;
          res.lastAckAt = Date.now();
          break;
        }
        if (answer.status === 429 || answer.status === 503) {
          if (answer.status === 429) res.status429++;
          else res.status503++;
          const wait = cmd.retryDelayMs > 0 ? cmd.retryDelayMs : answer.retryAfter * 1000;
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        res.otherStatus++;
        res.firstError ||= `HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 200)}`;
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, lane));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  res.latencyP50Ms = percentile(latencies, 50);
  res.latencyP99Ms = percentile(latencies, 99);
  const cpu = process.cpuUsage(cpu0);
  res.cpuUserMs = cpu.user / 1000;
  res.cpuSystemMs = cpu.system / 1000;
  return res;
}

function prepare(setup: ClientSetup): Payload[] {
  const base = BigInt(setup.baseNs);
  const out: Payload[] = [];
  for (let i = 0; i < setup.distinctRequests; i++) {
    const seed = setup.seed + i;
    out.push(
      setup.kind === 'logs'
        ? { body: logsRequest(seed, setup.recordsPerRequest, base), items: setup.recordsPerRequest }
        : (({ body, points }) => ({ body, items: points }))(metricsRequest(seed, base)),
    );
  }
  return out;
}

if (process.send) {
  let payloads: Payload[] = [];
  let setup: ClientSetup | undefined;
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'setup') {
      setup = msg.setup;
      payloads = prepare(setup);
      process.send?.({
        type: 'ready',
        bodies: payloads.length,
        bytes: payloads.reduce((n, p) => n + p.body.length, 0),
        items: payloads.reduce((n, p) => n + p.items, 0),
      } satisfies ClientMessage);
    } else if (msg.type === 'run' && setup) {
      run(setup, payloads, msg.run)
        .then((result) => process.send?.({ type: 'result', result } satisfies ClientMessage))
        .catch((err: unknown) => {
          console.error(err);
          process.exit(1);
        });
    } else if (msg.type === 'exit') {
      process.exit(0);
    }
  });
}
