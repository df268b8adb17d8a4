import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { HubRejected, HubUnavailable } from '../client.ts';
import {
  addConnectionOptions,
  clientFrom,
  integerIn,
  type ConnectionOptions,
  type Env,
} from '../connection.ts';
import { ExitWith } from '../exit-codes.ts';
import type { Output } from '../output.ts';
import { signalTable, type VerificationView } from './verify-format.ts';

/**
 * `hub verify`: starts a post-deploy verification (POST /api/verifications),
 * waits for its verdict with a progress line, prints a table of the signals
 * and the verdict, and exits 0 pass, 1 fail, 2 inconclusive, 3 hub
 * unreachable or error (docs/verification.md#the-cli). Ctrl-C stops waiting;
 * the verification keeps running on the hub.
 */
export const VERIFY_EXIT = { PASS: 0, FAIL: 1, INCONCLUSIVE: 2, ERROR: 3, INTERRUPTED: 130 } as const;

interface VerifyOptions extends ConnectionOptions {
  service: string;
  version: string;
  env?: string;
  window?: string;
  comparison?: 'before-after' | 'canary';
  profile?: string;
  deployId?: string;
  id?: string;
  startAt?: string;
  webhook?: string;
  failOnInconclusive?: boolean;
  onUnreachable: 'pass' | 'fail' | 'error';
  format: 'text' | 'json';
  poll: number;
}

interface StartAnswer {
  verification: VerificationView;
  created: boolean;
}

/** Hooks for tests and the bin: how long to wait between polls, and Ctrl-C. */
export interface VerifyRuntime {
  /** Resolves when the user asks to stop waiting (Ctrl-C). */
  interrupted: () => AbortSignal;
}

export const processRuntime: VerifyRuntime = {
  interrupted: () => {
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    return controller.signal;
  },
};

function progressLine(v: VerificationView): string {
  const p = v.progress;
  const pct = Math.round(p.fraction * 100);
  return `verifying ${v.service} ${v.version}: ${pct}% of ${Math.round(p.windowSeconds / 60)}m, ${p.candidateRequests} requests (baseline ${p.baselineRequests}), ${p.candidateErrorLogs} error logs`;
}

function exitFor(state: string, failOnInconclusive: boolean): number {
  if (state === 'pass') return VERIFY_EXIT.PASS;
  if (state === 'fail') return VERIFY_EXIT.FAIL;
  if (state === 'inconclusive') return failOnInconclusive ? VERIFY_EXIT.FAIL : VERIFY_EXIT.INCONCLUSIVE;
  return VERIFY_EXIT.ERROR;
}

export function registerVerifyCommand(
  program: Command,
  env: Env,
  out: Output,
  runtime: VerifyRuntime = processRuntime,
): void {
  const cmd = program
    .command('verify')
    .summary('verify a deploy: wait for a pass / fail / inconclusive verdict')
    .description(
      'Start a post-deploy verification on the hub and wait for its verdict. Ctrl-C stops waiting; ' +
        'the verification keeps running on the hub.',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 pass, 1 fail (and inconclusive with --fail-on-inconclusive), 2 inconclusive,\n' +
        '3 hub unreachable or error (see --on-unreachable), 130 interrupted.',
    )
    .requiredOption('--service <name>', 'service name, as in service.name')
    .requiredOption('--version <version>', 'the version deployed, as in service.version')
    .option('--env <environment>', 'environment, as in deployment.environment.name (default: none)')
    .option(
      '--window <duration>',
      'how long to observe the new version, e.g. 10m (default: the profile, else 10m)',
    )
    .addOption(new Option('--comparison <kind>', 'what to compare with').choices(['before-after', 'canary']))
    .option('--profile <name>', 'a verification profile from the hub’s profiles file')
    .option('--deploy-id <id>', 'the reported deploy (hub deploy --id): the window starts when it finished')
    .option('--id <id>', 'idempotency key (default: a new one)')
    .option(
      '--start-at <time>',
      'when the new version went live: ISO 8601, epoch ms or now-5m (default: now)',
    )
    .option('--webhook <url>', 'POSTed the verdict as JSON when the verification completes')
    .option('--fail-on-inconclusive', 'exit 1 on an inconclusive verdict instead of 2')
    .addOption(
      new Option(
        '--on-unreachable <outcome>',
        'exit as if the verdict were this when the hub cannot be reached',
      )
        .choices(['pass', 'fail', 'error'])
        .default('error'),
    )
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
    .option('--poll <seconds>', 'seconds between status checks', integerIn(1, 300), 5);
  addConnectionOptions(cmd).action(async (o: VerifyOptions) => {
    const client = clientFrom(o, env);
    const body: Record<string, unknown> = {
      id: o.id ?? `cli-${randomUUID()}`,
      service: o.service,
      environment: o.env ?? '',
      version: o.version,
    };
    if (o.window !== undefined) body['window'] = o.window;
    if (o.comparison !== undefined) body['comparison'] = o.comparison;
    if (o.profile !== undefined) body['profile'] = o.profile;
    if (o.deployId !== undefined) body['deployId'] = o.deployId;
    if (o.startAt !== undefined) body['startAt'] = o.startAt;
    if (o.webhook !== undefined) body['webhookUrl'] = o.webhook;
    const unreachable = (err: HubUnavailable): never => {
      out.stderr(`hub: ${err.message}\n`);
      const code = { pass: VERIFY_EXIT.PASS, fail: VERIFY_EXIT.FAIL, error: VERIFY_EXIT.ERROR }[
        o.onUnreachable
      ];
      out.stderr(
        `hub: treating the unreachable hub as ${o.onUnreachable} (--on-unreachable), exit ${code}\n`,
      );
      throw new ExitWith(code);
    };
    let v: VerificationView;
    try {
      v = (await client.post<StartAnswer>('/api/verifications', body)).body.verification;
    } catch (err) {
      if (err instanceof HubUnavailable) unreachable(err);
      if (err instanceof HubRejected) {
        out.stderr(
          `hub: rejected by the hub (${err.status}${err.code ? ` ${err.code}` : ''}): ${err.message}\n`,
        );
        throw new ExitWith(VERIFY_EXIT.ERROR);
      }
      throw err;
    }
    const tty = out.isTTY === true;
    const stop = runtime.interrupted();
    let last = '';
    if (o.format === 'text') out.stderr(`verification ${v.id} started: ${v.chartUrl}\n`);
    while (v.state === 'running') {
      const line = progressLine(v);
      if (o.format === 'text' && line !== last) out.stderr(tty ? `\r\u001b[2K${line}` : `${line}\n`);
      last = line;
      await sleep(o.poll * 1000, undefined, { signal: stop }).catch(() => undefined);
      if (stop.aborted) {
        if (tty) out.stderr('\n');
        out.stderr(
          `hub: stopped waiting; verification ${v.id} keeps running on the hub: GET /api/verifications/${encodeURIComponent(v.id)}\n`,
        );
        throw new ExitWith(VERIFY_EXIT.INTERRUPTED);
      }
      try {
        v = (await client.get<VerificationView>(`/api/verifications/${encodeURIComponent(v.id)}`)).body;
      } catch (err) {
        if (err instanceof HubUnavailable) unreachable(err);
        throw err;
      }
    }
    if (tty && last) out.stderr('\n');
    if (o.format === 'json') out.stdout(`${JSON.stringify(v, null, 2)}\n`);
    else {
      out.stdout(signalTable(v));
      out.stdout(`${v.verdict?.summary ?? `error: ${v.error ?? 'unknown'}`}\n`);
      out.stdout(`details: ${v.chartUrl}\n`);
    }
    throw new ExitWith(exitFor(v.state, o.failOnInconclusive === true));
  });
}
