import { Option, type Command } from 'commander';
import { addConnectionOptions, clientFrom, type ConnectionOptions, type Env } from '../connection.ts';
import { UsageError } from '../exit-codes.ts';
import type { Output } from '../output.ts';

/**
 * `hub deploy`: reports a deploy to the hub (POST /api/deploys). Made for CI:
 * the commit, author, description and a link to the CI run default to what
 * GitHub Actions and GitLab CI put in the environment.
 */
export const STATUSES = ['started', 'succeeded', 'failed', 'rolled_back'] as const;

interface DeployOptions extends ConnectionOptions {
  service: string;
  version: string;
  env?: string;
  commit?: string;
  author?: string;
  description?: string;
  link: string[];
  status: (typeof STATUSES)[number];
  id?: string;
  startedAt?: string;
  finishedAt?: string;
  json?: boolean;
}

interface DeployLink {
  name: string;
  url: string;
}

interface WriteResult {
  created: boolean;
  deploy: { id: string; service: string; environment: string; version: string; status: string };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function parseLink(text: string): DeployLink {
  const eq = text.indexOf('=');
  const name = eq > 0 ? text.slice(0, eq).trim() : '';
  const url = eq > 0 ? text.slice(eq + 1).trim() : '';
  if (!name || !url)
    throw new UsageError(`--link "${text}" must be name=url, e.g. ci=https://ci.example.com/run/1`);
  if (name.length > 64)
    throw new UsageError(`--link name "${name.slice(0, 20)}…" is longer than 64 characters`);
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--link ${name}: "${url}" is not an http(s) URL`);
  return { name, url };
}

/** The CI run that is reporting, when the environment says (GitHub Actions, GitLab CI). */
export function ciRunUrl(env: Env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  if (server && repo && run) return `${server.replace(/\/$/, '')}/${repo}/actions/runs/${run}`;
  return env['CI_PIPELINE_URL'] || env['CI_JOB_URL'] || undefined;
}

export function deployBody(o: DeployOptions, env: Env): Record<string, unknown> {
  const links = o.link.map(parseLink);
  const ci = ciRunUrl(env);
  if (ci && !links.some((l) => l.name === 'ci')) links.push({ name: 'ci', url: ci });
  if (links.length > 10) throw new UsageError(`at most 10 --link options, got ${links.length}`);
  const body: Record<string, unknown> = {
    service: o.service,
    environment: o.env ?? '',
    version: o.version,
    commitSha: o.commit ?? env['GITHUB_SHA'] ?? env['CI_COMMIT_SHA'] ?? '',
    author: o.author ?? env['GITHUB_ACTOR'] ?? env['GITLAB_USER_LOGIN'] ?? '',
    description: o.description ?? env['CI_COMMIT_TITLE'] ?? '',
    links,
    status: o.status,
  };
  if (o.id !== undefined) body['id'] = o.id;
  if (o.startedAt !== undefined) body['startedAt'] = o.startedAt;
  if (o.finishedAt !== undefined) body['finishedAt'] = o.finishedAt;
  return body;
}

export function registerDeployCommand(program: Command, env: Env, out: Output): void {
  const cmd = program
    .command('deploy')
    .summary('report a deploy to the hub')
    .description(
      'Report a deploy to the hub (POST /api/deploys). Idempotent with --id: the same id again ' +
        'updates that deploy, e.g. --status started when the rollout begins, then --status succeeded.',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 recorded, 1 rejected by the hub (its message is printed), 2 usage error,\n' +
        '3 hub unreachable or failing (5xx, 429) after the retries.',
    )
    .requiredOption('--service <name>', 'service name, as in service.name')
    .requiredOption('--version <version>', 'the version deployed, as in service.version')
    .option('--env <environment>', 'environment, as in deployment.environment.name (default: none)')
    .option('--commit <sha>', 'commit SHA (default: $GITHUB_SHA or $CI_COMMIT_SHA)')
    .option('--author <name>', 'who deployed (default: $GITHUB_ACTOR or $GITLAB_USER_LOGIN)')
    .option('--description <text>', 'what changed (default: $CI_COMMIT_TITLE)')
    .addOption(
      new Option(
        '--link <name=url>',
        'a link, repeatable (e.g. diff=https://...); a "ci" link to the CI run is added from the environment',
      )
        .argParser(collect)
        .default([], 'none'),
    )
    .addOption(new Option('--status <status>', 'deploy status').choices(STATUSES).default('succeeded'))
    .option(
      '--id <id>',
      'idempotency key: the same id again updates that deploy (default: the hub makes one)',
    )
    .option('--started-at <time>', 'ISO 8601, epoch ms or now-5m (default: now)')
    .option('--finished-at <time>', 'ISO 8601, epoch ms or now-5m (default: now, none while started)')
    .option('--json', 'print the recorded deploy as JSON instead of one line');
  addConnectionOptions(cmd).action(async (o: DeployOptions) => {
    const body = deployBody(o, env);
    const client = clientFrom(o, env);
    const { body: result } = await client.post<WriteResult>('/api/deploys', body);
    if (o.json) {
      out.stdout(`${JSON.stringify(result.deploy, null, 2)}\n`);
      return;
    }
    const d = result.deploy;
    const where = d.environment ? ` in ${d.environment}` : '';
    out.stdout(
      `${result.created ? 'recorded' : 'updated'} deploy ${d.id}: ${d.service} ${d.version}${where} (${d.status})\n`,
    );
  });
}
