import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger, freePort } from '../../core/src/index.ts';
import { buildApp } from '../../api/src/index.ts';
import { parseTeamsFile } from '../../api/src/access/teams-file.ts';
import { tokenDigest } from '../../api/src/access/principal.ts';
import type { Deploy } from '../../api/src/deploys/schemas.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

/** The real `hub` bin as npm installs it for the workspace (node_modules/.bin/hub → cli/bin/hub.js). */
const HUB = path.resolve(import.meta.dirname, '../../node_modules/.bin/hub');

const TOKENS = { ci: 'cli-ci-token-0123456789', reader: 'cli-reader-token-0123456789' };
const teams = parseTeamsFile(`
teams:
  shop:
    services: [checkout]
members:
  - name: ci
    kind: token
    teams: [shop]
    scopes: [read, deploy]
    tokenSha256: ${tokenDigest(TOKENS.ci)}
  - name: reader
    teams: [shop]
    tokenSha256: ${tokenDigest(TOKENS.reader)}
`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hub <args>` with only the given environment (plus PATH), so the test machine's CI variables stay out. */
function hub(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      HUB,
      args,
      { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('hub deploy', () => {
  let t: TestDb;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    t = await createTestDb();
    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent'), access: { teams } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  const stored = async (id: string): Promise<Deploy> => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/deploys/${id}`,
      headers: { authorization: `Bearer ${TOKENS.ci}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as Deploy;
  };

  it('records a deploy (exit 0, one line) with GitHub Actions defaults from the environment', async () => {
    const run = await hub(
      [
        'deploy',
        '--service',
        'checkout',
        '--version',
        '1.4.2',
        '--env',
        'production',
        '--description',
        'Faster totals',
        '--link',
        'diff=https://git.example.com/compare/a...b',
        '--id',
        'cli-1',
      ],
      {
        HUB_URL: url,
        HUB_TOKEN: TOKENS.ci,
        GITHUB_SHA: '0123456789abcdef',
        GITHUB_ACTOR: 'octocat',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_RUN_ID: '42',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('recorded deploy cli-1: checkout 1.4.2 in production (succeeded)\n');
    const d = await stored('cli-1');
    expect(d).toMatchObject({
      service: 'checkout',
      environment: 'production',
      version: '1.4.2',
      commitSha: '0123456789abcdef',
      author: 'octocat',
      description: 'Faster totals',
      status: 'succeeded',
      source: 'reported',
      links: [
        { name: 'diff', url: 'https://git.example.com/compare/a...b' },
        { name: 'ci', url: 'https://github.com/acme/shop/actions/runs/42' },
      ],
    });
  });

  it('updates the same id: started, then succeeded; flags override the environment', async () => {
    const common = [
      'deploy',
      '--service',
      'checkout',
      '--version',
      '2.0.0',
      '--env',
      'staging',
      '--id',
      'cli-2',
    ];
    const env = {
      HUB_URL: 'http://127.0.0.1:1',
      HUB_TOKEN: 'wrong',
      CI_PIPELINE_URL: 'https://gitlab.example.com/acme/shop/-/pipelines/7',
      CI_COMMIT_SHA: 'fedcba98',
      GITLAB_USER_LOGIN: 'gitlab-dev',
    };
    const flags = ['--url', url, '--token', TOKENS.ci];
    const started = await hub([...common, '--status', 'started', ...flags], env);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toBe('recorded deploy cli-2: checkout 2.0.0 in staging (started)\n');
    expect((await stored('cli-2')).finishedAt).toBeNull();

    const done = await hub([...common, '--status', 'succeeded', ...flags], env);
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('updated deploy cli-2: checkout 2.0.0 in staging (succeeded)\n');
    const d = await stored('cli-2');
    expect(d.status).toBe('succeeded');
    expect(d.finishedAt).not.toBeNull();
    expect(d.commitSha).toBe('fedcba98');
    expect(d.author).toBe('gitlab-dev');
    expect(d.links).toEqual([{ name: 'ci', url: 'https://gitlab.example.com/acme/shop/-/pipelines/7' }]);
  });

  it('prints the deploy as JSON with --json', async () => {
    const run = await hub(['deploy', '--service', 'checkout', '--version', '3.0.0', '--json'], {
      HUB_URL: url,
      HUB_TOKEN: TOKENS.ci,
    });
    expect(run.code).toBe(0);
    const d = JSON.parse(run.stdout) as Deploy;
    expect(d.version).toBe('3.0.0');
    expect(d.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exits 1 with the hub’s message when the hub refuses (4xx)', async () => {
    const forbidden = await hub(['deploy', '--service', 'checkout', '--version', '9'], {
      HUB_URL: url,
      HUB_TOKEN: TOKENS.reader,
    });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toBe('');
    expect(forbidden.stderr).toMatch(/rejected by the hub \(403 HUB_API_FORBIDDEN\): .*"deploy" scope/);

    const otherService = await hub(['deploy', '--service', 'payments', '--version', '9'], {
      HUB_URL: url,
      HUB_TOKEN: TOKENS.ci,
    });
    expect(otherService.code).toBe(1);
    expect(otherService.stderr).toMatch(/403 HUB_API_FORBIDDEN.*"payments"/);

    const conflict = await hub(
      ['deploy', '--service', 'checkout', '--env', 'dev', '--version', '9', '--id', 'cli-1'],
      {
        HUB_URL: url,
        HUB_TOKEN: TOKENS.ci,
      },
    );
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/409 HUB_API_CONFLICT.*already used/);

    const badTime = await hub(['deploy', '--service', 'checkout', '--version', '9', '--started-at', 'soon'], {
      HUB_URL: url,
      HUB_TOKEN: TOKENS.ci,
    });
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toMatch(/400 HUB_API_BAD_REQUEST.*startedAt "soon" is not a time/);

    const noToken = await hub(['deploy', '--service', 'checkout', '--version', '9'], { HUB_URL: url });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/401 HUB_API_UNAUTHENTICATED/);
  });

  it('exits 3 when the hub is unreachable, after the retries', async () => {
    const port = await freePort();
    const run = await hub(['deploy', '--service', 'checkout', '--version', '1', '--retries', '1'], {
      HUB_URL: `http://127.0.0.1:${port}`,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/unreachable.*ECONNREFUSED.*\(2 attempts\)/);
  });

  describe('against a hub that fails', () => {
    let server: Server;
    let failing: string;
    let requests = 0;

    beforeAll(async () => {
      server = createServer((req, res) => {
        requests++;
        req.resume();
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            statusCode: 503,
            code: 'HUB_CLICKHOUSE_UNAVAILABLE',
            error: 'ClickHouse is down',
          }),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      failing = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('retries 5xx and exits 3 with the last answer', async () => {
      const run = await hub(['deploy', '--service', 'checkout', '--version', '1', '--retries', '2'], {
        HUB_URL: failing,
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/answered 503: ClickHouse is down \(3 attempts\)/);
      expect(requests).toBe(3);
    });
  });

  it.each([
    [['deploy', '--version', '1'], /required option '--service <name>'/],
    [['deploy', '--service', 'checkout'], /required option '--version <version>'/],
    [
      ['deploy', '--service', 'checkout', '--version', '1', '--status', 'done'],
      /Allowed choices are started/,
    ],
    [['deploy', '--service', 'checkout', '--version', '1', '--link', 'no-equals'], /must be name=url/],
    [['deploy', '--service', 'checkout', '--version', '1', '--link', 'ci=ftp://x'], /not an http\(s\) URL/],
    [['deploy', '--service', 'checkout', '--version', '1', '--retries', 'many'], /expected a whole number/],
    [['deploy', '--service', 'checkout', '--version', '1', '--frobnicate'], /unknown option '--frobnicate'/],
    [
      ['deploy', '--service', 'checkout', '--version', '1', '--url', 'hub.example.com'],
      /not an http\(s\) URL/,
    ],
    [['undeploy'], /unknown command 'undeploy'/],
    [[], /Usage: hub/],
  ])('exits 2 on a usage error: hub %j', async (args, message) => {
    const run = await hub(args, { HUB_URL: url });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('exits 2 without a hub URL, and 0 for --help', async () => {
    const run = await hub(['deploy', '--service', 'checkout', '--version', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no hub URL: set HUB_URL or pass --url/);
    const help = await hub(['deploy', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 recorded/);
  });
});
