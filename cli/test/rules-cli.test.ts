import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRules } from '../../api/src/alerts/rules/index.ts';

/** The real `hub` bin as npm installs it for the workspace (node_modules/.bin/hub → cli/bin/hub.js). */
const HUB = path.resolve(import.meta.dirname, '../../node_modules/.bin/hub');
const ROOT = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hub <args>` in `cwd` with only PATH from the environment. */
function hub(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      HUB,
      args,
      { cwd, env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('hub rules check', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hub-rules-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes on the rules shipped in alert-rules/ (the default path), exit 0', async () => {
    const expected = await loadRules([path.join(ROOT, 'alert-rules')]);
    expect(expected.errors).toEqual([]);
    const run = await hub(['rules', 'check']);
    expect(run).toEqual({
      code: 0,
      // + 1: alert-rules/routing.yaml, checked with the rules (docs/notifications.md).
      stdout: `${expected.files.length + 1} files, ${expected.ruleCount} rules, 0 errors\n`,
      stderr: '',
    });
  });

  it('prints every error as file:line:col: message and a summary, exit 1; --format json for tools', async () => {
    const bad = `groups:
  - name: shop
    rules:
      - alert: HighErrorRate
        kind: log
        query: 'service:checkout AND ('
        window: 5m
        for: 5 minutes
        condition: { op: '>', threshold: 0.05 }
`;
    await writeFile(path.join(dir, 'checkout.yaml'), bad);
    const run = await hub(['rules', 'check', 'checkout.yaml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'checkout.yaml:6:39: rule "HighErrorRate": query: syntax error: expected a term but found end of query\n' +
        'checkout.yaml:8:14: rule "HighErrorRate": for must be a duration like 5m, 1h30m or 90s, got "5 minutes"\n' +
        '1 file, 1 rule, 2 errors\n',
    );

    const json = await hub(['rules', 'check', '--format', 'json', dir]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      files: [path.join(dir, 'checkout.yaml')],
      rules: 1,
      errors: [
        expect.objectContaining({ line: 6, column: 39, code: 'HUB_RULES_QUERY' }),
        expect.objectContaining({ line: 8, column: 14, code: 'HUB_RULES_DURATION' }),
      ],
    });
  });

  it('a path that does not exist, or a folder without rule files, is a usage error, exit 2', async () => {
    const missing = await hub(['rules', 'check', 'no-such-folder'], dir);
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'hub: no-such-folder: no such file or folder\n' });
    const empty = await mkdtemp(path.join(dir, 'empty-'));
    const none = await hub(['rules', 'check', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`hub: no rule files (*.yaml, *.yml) in ${empty}\n`);
  });
});
