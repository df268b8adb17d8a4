import { InvalidArgumentError, type Command } from 'commander';
import { HubClient } from './client.ts';
import { UsageError } from './exit-codes.ts';

/** The environment as main() was given it: the only place commands read variables from. */
export type Env = Readonly<Record<string, string | undefined>>;

export const CLI_VERSION = '0.1.0';

/** Options every command that talks to the hub shares. */
export interface ConnectionOptions {
  url?: string;
  token?: string;
  retries: number;
  timeout: number;
}

export function integerIn(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', "the hub's URL (default: $HUB_URL)")
    .option('--token <token>', 'API token with the needed scope (default: $HUB_TOKEN)')
    .option('--retries <n>', 'retries on connection errors, 5xx and 429', integerIn(0, 10), 3)
    .option('--timeout <seconds>', 'per attempt', integerIn(1, 600), 10);
}

/** Flags override the environment; no URL at all is a usage error. */
export function clientFrom(o: ConnectionOptions, env: Env, retryDelayMs = 500): HubClient {
  const url = o.url ?? env['HUB_URL'];
  if (!url) throw new UsageError('no hub URL: set HUB_URL or pass --url (e.g. https://hub.example.com)');
  if (!/^https?:\/\/[^/\s]+/.test(url))
    throw new UsageError(`--url / HUB_URL "${url}" is not an http(s) URL`);
  const token = o.token ?? env['HUB_TOKEN'];
  return new HubClient({
    url,
    token: token || undefined,
    retries: o.retries,
    retryDelayMs,
    timeoutMs: o.timeout * 1000,
    userAgent: `obshub-cli/${CLI_VERSION}`,
  });
}
