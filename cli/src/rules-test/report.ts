import type { Output } from '../output.ts';
import { UsageError } from '../exit-codes.ts';
import { NoClickHouse, testServer } from './database.ts';
import { TestFileError, runTestFile } from './run.ts';

/**
 * `hub rules test`: runs the files, prints PASS / FAIL per test with a
 * readable diff, then a summary. Returns true when any test failed; file and
 * usage problems throw UsageError (exit 2).
 */
export async function runRuleTests(
  files: readonly string[],
  clickhouseUrl: string | undefined,
  out: Output,
): Promise<boolean> {
  let server;
  try {
    server = await testServer(clickhouseUrl || undefined);
  } catch (err) {
    if (err instanceof NoClickHouse) throw new UsageError(err.message);
    throw err;
  }
  let tests = 0;
  let checks = 0;
  let failures = 0;
  try {
    for (const file of files) {
      let results;
      try {
        results = await runTestFile(file, server);
      } catch (err) {
        if (err instanceof TestFileError) throw new UsageError(err.message);
        throw err;
      }
      for (const r of results) {
        tests++;
        checks += r.checks;
        if (r.failures.length === 0) {
          out.stdout(`PASS ${file}: ${r.name}\n`);
        } else {
          failures += r.failures.length;
          out.stdout(`FAIL ${file}: ${r.name}\n`);
          for (const f of r.failures) out.stdout(`  ${f}\n`);
        }
      }
    }
  } finally {
    await server.stop();
  }
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  out.stdout(`${plural(tests, 'test')}, ${plural(checks, 'check')}, ${plural(failures, 'failure')}\n`);
  return failures > 0;
}
