import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { AlertEngine, renderAnnotations } from '@obshub/api/alert-eval';
import {
  canonicalJson,
  formatRuleError,
  loadRules,
  parseDuration,
  type RuleSet,
} from '@obshub/api/alert-rules';
import type { TestServer } from './database.ts';
import { RuleTestFile, type ExpectedAlert, type TestCase } from './format.ts';
import { insertLogs, insertSeries } from './inputs.ts';

/**
 * Runs one rule test file with the real evaluator against ClickHouse: for
 * each test, a fresh database, the inputs inserted, then a simulated clock
 * stepping every group at its aligned evaluation times up to the last
 * eval_time; at each eval_time the firing alerts of `alertname` are compared
 * with exp_alerts (labels exactly, alertname aside; the annotations listed).
 */
export class TestFileError extends Error {}

export const DEFAULT_START = '2026-01-01T00:00:00Z';

export interface CaseResult {
  readonly name: string;
  readonly checks: number;
  readonly failures: readonly string[];
}

interface Got {
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string | null };
}

function ms(text: string, what: string): number {
  const v = parseDuration(text);
  if (v === undefined) throw new TestFileError(`${what}: "${text}" is not a duration`);
  return v;
}

export async function readTestFile(file: string): Promise<RuleTestFile> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new TestFileError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const withDefaults = Value.Default(RuleTestFile, Value.Clone(raw));
  const errors = [...Value.Errors(RuleTestFile, withDefaults)].slice(0, 5);
  if (errors.length > 0) {
    throw new TestFileError(errors.map((e) => `${file}: ${e.path || '/'}: ${e.message}`).join('\n'));
  }
  return withDefaults as RuleTestFile;
}

const labelText = (labels: Readonly<Record<string, string>>): string =>
  `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(', ')}}`;

function compare(expected: readonly ExpectedAlert[], got: readonly Got[]): string[] {
  const problems: string[] = [];
  const left = [...got];
  for (const exp of expected) {
    const i = left.findIndex((g) => canonicalJson(g.labels) === canonicalJson(exp.exp_labels));
    if (i < 0) {
      problems.push(`expected a firing alert ${labelText(exp.exp_labels)}, not found`);
      continue;
    }
    const g = left.splice(i, 1)[0] as Got;
    for (const [key, want] of Object.entries(exp.exp_annotations ?? {})) {
      const have = g.annotations[key as keyof Got['annotations']];
      if (have !== want) {
        problems.push(
          `${labelText(exp.exp_labels)} ${key}:\n      expected: ${JSON.stringify(want)}\n      got:      ${JSON.stringify(have)}`,
        );
      }
    }
  }
  for (const g of left)
    problems.push(
      `unexpected firing alert ${labelText(g.labels)} (summary: ${JSON.stringify(g.annotations.summary)})`,
    );
  return problems;
}

async function runCase(
  test: TestCase,
  index: number,
  file: RuleTestFile,
  ruleSet: RuleSet,
  server: TestServer,
): Promise<CaseResult> {
  const name = test.name ?? `test ${index + 1}`;
  const startMs = Date.parse(file.start ?? DEFAULT_START);
  if (!Number.isFinite(startMs)) throw new TestFileError(`start: "${file.start}" is not an ISO 8601 time`);
  const stepMs = ms(test.interval ?? file.evaluation_interval ?? '1m', 'interval');
  const database = await server.database();
  const db = database.db;
  try {
    await insertLogs(db, test.input_logs, startMs);
    await insertSeries(db, test.input_series, startMs, stepMs);
    const engine = new AlertEngine({ db });
    await engine.setRules(ruleSet, null, startMs);
    const checks = test.alert_rule_test.map((c) => ({ ...c, at: startMs + ms(c.eval_time, 'eval_time') }));
    const end = Math.max(...checks.map((c) => c.at));
    const times = new Set<number>(checks.map((c) => c.at));
    for (const g of ruleSet.groups) for (let t = startMs; t <= end; t += g.intervalMs) times.add(t);
    const failures: string[] = [];
    for (const t of [...times].sort((a, b) => a - b)) {
      await Promise.all(
        ruleSet.groups
          .filter((g) => (t - startMs) % g.intervalMs === 0)
          .map((g) => engine.evaluateGroup(g.name, t)),
      );
      for (const c of checks.filter((x) => x.at === t)) {
        const rules = ruleSet.rules.filter((r) => r.alert === c.alertname);
        if (rules.length === 0) {
          failures.push(`at ${c.eval_time}: no rule named ${c.alertname} in ${file.rule_files.join(', ')}`);
          continue;
        }
        const got: Got[] = rules.flatMap((rule) =>
          engine
            .instancesOf(rule.id)
            .filter((s) => s.state === 'firing')
            .map((s) => {
              const a = renderAnnotations(rule, s.labels, s.value);
              const { alertname: _alertname, ...labels } = s.labels;
              return {
                labels,
                annotations: { summary: a.summary, description: a.description, runbook_url: a.runbookUrl },
              };
            }),
        );
        const problems = compare(c.exp_alerts, got);
        if (problems.length > 0) {
          failures.push(`at ${c.eval_time}, alertname ${c.alertname}:\n    ${problems.join('\n    ')}`);
        }
      }
    }
    return { name, checks: checks.length, failures };
  } finally {
    await database.drop();
  }
}

/** Runs every test of a file; throws TestFileError for a file that cannot be run (exit 2). */
export async function runTestFile(filePath: string, server: TestServer): Promise<CaseResult[]> {
  const file = await readTestFile(filePath);
  const paths = file.rule_files.map((p) => path.resolve(path.dirname(filePath), p));
  const loaded = await loadRules(paths);
  if (loaded.ruleSet === null) {
    throw new TestFileError(
      `${filePath}: rule_files have errors:\n${loaded.errors.map((e) => `  ${formatRuleError(e)}`).join('\n')}`,
    );
  }
  if (loaded.files.length === 0) throw new TestFileError(`${filePath}: rule_files name no rule file`);
  const results: CaseResult[] = [];
  for (const [i, test] of file.tests.entries())
    results.push(await runCase(test, i, file, loaded.ruleSet, server));
  return results;
}
