import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AlertNotice } from '../../../src/alerts/notice.ts';
import type { Clock } from '../../../src/alerts/notify/clock.ts';

/** A clock moved by hand; sleep() moves it and returns at once (the waits are recorded). */
export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    await Promise.resolve();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  authorization: string | undefined;
}

/** Scripted answers, used in order before the normal ones: a status and headers. */
export interface ScriptedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A local HTTP server speaking the part of Slack's Web API the notifier uses
 * (chat.postMessage, chat.update), reached through @slack/web-api's slackApiUrl.
 * Posts get increasing ts values; channel names resolve to an id like Slack's.
 */
export interface FakeSlack {
  url: string;
  calls: SlackCall[];
  /** Calls answered ok, in order. */
  ok: SlackCall[];
  failNext(...failures: ScriptedFailure[]): void;
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const ok: SlackCall[] = [];
  const failures: ScriptedFailure[] = [];
  let ts = 1_700_000_000;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const args: Record<string, unknown> = {};
      for (const [k, v] of form) args[k] = k === 'blocks' ? (JSON.parse(v) as unknown) : v;
      const call = { method, args, authorization: req.headers.authorization };
      calls.push(call);
      const failure = failures.shift();
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
        res.end(JSON.stringify(failure.body ?? { ok: false, error: 'scripted' }));
        return;
      }
      ok.push(call);
      const channel = typeof args['channel'] === 'string' ? args['channel'] : '';
      const id = channel.startsWith('#')
        ? `C${channel
            .slice(1)
            .toUpperCase()
            .replace(/[^A-Z0-9]/g, '')}`
        : channel;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (method === 'chat.postMessage') {
        ts += 1;
        res.end(JSON.stringify({ ok: true, channel: id, ts: `${ts}.000100`, message: {} }));
      } else if (method === 'chat.update') {
        res.end(JSON.stringify({ ok: true, channel: id, ts: args['ts'] }));
      } else res.end(JSON.stringify({ ok: false, error: 'unknown_method' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    ok,
    failNext: (...f) => failures.push(...f),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A real SMTP server on loopback (smtp-server); every mail parsed with mailparser. */
export interface FakeSmtp {
  url: string;
  mails: ParsedMail[];
  /** Answer the next n mails with a temporary failure (451). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<FakeSmtp> {
  const mails: ParsedMail[] = [];
  let failures = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          const err = Object.assign(new Error('try again later'), { responseCode: 451 });
          callback(err);
          return;
        }
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            mails.push(mail);
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    failNext: (n) => {
      failures += n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An AlertNotice as the evaluator would publish it. */
export function notice(
  overrides: Partial<AlertNotice> & { labels?: Record<string, string> } = {},
): AlertNotice {
  const labels = overrides.labels ?? {
    alertname: 'CheckoutHigh5xxRatio',
    team: 'shop',
    severity: 'critical',
    service: 'checkout',
  };
  const alert = overrides.alert ?? labels['alertname'] ?? 'CheckoutHigh5xxRatio';
  return {
    ruleId: `rule-${alert}`,
    ruleHash: 'h1',
    group: 'checkout',
    alert,
    kind: 'metric',
    instanceId: `inst-${alert}-${JSON.stringify(labels)}`,
    labels,
    annotations: {
      summary: `${alert}: 7.3% of requests fail`,
      description: 'Over the last 5m, 7.3% of requests answered 5xx.',
      runbookUrl: 'https://runbooks.example.com/checkout/http-5xx',
    },
    state: 'firing',
    reason: 'threshold',
    value: 0.073,
    threshold: 0.02,
    op: '>',
    error: null,
    activeAt: 1_800_000_000_000,
    firedAt: 1_800_000_000_000,
    resolvedAt: null,
    service: labels['service'] ?? null,
    environment: 'production',
    routing: { slack: [], email: [] },
    deployWindowMs: 30 * 60_000,
    windowMs: 5 * 60_000,
    logQuery: null,
    metric: 'http.server.request.duration',
    ...overrides,
  };
}

export function resolved(n: AlertNotice, atMs: number): AlertNotice {
  return { ...n, state: 'resolved', resolvedAt: atMs };
}

/** Text of every mrkdwn/plain_text field of some blocks, joined. */
export function blocksText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['text'] === 'string') out.push(o['text']);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out.join('\n');
}
