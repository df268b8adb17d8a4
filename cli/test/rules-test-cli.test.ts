import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl } from '../../test/helpers/db.ts';

/**
 * `hub rules test` as CI runs it: the real bin on the shipped rule tests
 * (alert-rules/tests/), with the test suite's ClickHouse as CLICKHOUSE_URL;
 * then a wrong expectation fails with a readable diff, and a bad file is a
 * usage error.
 */
const HUB = path.resolve(import.meta.dirname, '../../node_modules/.bin/hub');
const ROOT = path.resolve(import.meta.dirname, '../..');

function hub(args: string[], cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      HUB,
      args,
      { cwd, env: { PATH: process.env['PATH'] ?? '', CLICKHOUSE_URL: clickhouseUrl() }, timeout: 240_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      },
    );
  });
}

describe('hub rules test', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hub-rules-test-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the shipped tests of the example rules (alert-rules/tests/), exit 0', async () => {
    const run = await hub(['rules', 'test']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'PASS alert-rules/tests/checkout.test.yaml: error-log ratio of a bad version',
    );
    expect(run.stdout).toContain('PASS alert-rules/tests/payments.test.yaml: no traffic fires');
    expect(run.stdout.trim().split('\n').at(-1)).toBe('4 tests, 14 checks, 0 failures');
  }, 240_000);

  it('a wrong expectation fails with the expected and actual alerts, exit 1', async () => {
    const text = await readFile(path.join(ROOT, 'alert-rules/tests/payments.test.yaml'), 'utf8');
    const wrong = text
      .replace('../payments.yaml', path.join(ROOT, 'alert-rules/payments.yaml'))
      .replace("summary: '30 payment errors on pay-1 in 5m'", "summary: '31 payment errors on pay-1 in 5m'")
      .replace('{ host: pay-1, severity: critical', '{ host: pay-9, severity: critical');
    // Only the first test of the file, to keep it short.
    await writeFile(path.join(dir, 'wrong.yaml'), wrong.split('\n  - name: no traffic')[0] as string);
    const run = await hub(['rules', 'test', path.join(dir, 'wrong.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'FAIL ' +
        path.join(dir, 'wrong.yaml') +
        ': payment errors fire per host after 2m, then resolve below the recovery threshold\n' +
        '  at 7m, alertname PaymentErrors:\n' +
        '    expected a firing alert {host="pay-9", service="payments", severity="critical", team="payments"}, not found\n' +
        '    unexpected firing alert {host="pay-1", service="payments", severity="critical", team="payments"} (summary: "30 payment errors on pay-1 in 5m")\n',
    );
    expect(run.stdout.trim().split('\n').at(-1)).toBe('1 test, 3 checks, 1 failure');

    await writeFile(
      path.join(dir, 'annotation.yaml'),
      (wrong.split('\n  - name: no traffic')[0] as string).replace('{ host: pay-9', '{ host: pay-1'),
    );
    const annotation = await hub(['rules', 'test', path.join(dir, 'annotation.yaml')]);
    expect(annotation.code).toBe(1);
    expect(annotation.stdout).toContain(
      '    {host="pay-1", service="payments", severity="critical", team="payments"} summary:\n' +
        '      expected: "31 payment errors on pay-1 in 5m"\n' +
        '      got:      "30 payment errors on pay-1 in 5m"\n',
    );
  }, 120_000);

  it('a test file that does not match the format is a usage error, exit 2', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'rule_files: []\ntests: []\n');
    const run = await hub(['rules', 'test', path.join(dir, 'bad.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/rule_files: Expected array length to be greater or equal to 1');
    const missing = await hub(['rules', 'test', 'no-such-file.yaml']);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: 'hub: no-such-file.yaml: no such file or folder\n',
    });
  });
});
