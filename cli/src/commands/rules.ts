import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { LoadResult } from '@obshub/api/alert-rules';
import { CheckFailed, UsageError } from '../exit-codes.ts';
import type { Output } from '../output.ts';
import type { Env } from '../connection.ts';

/**
 * `hub rules check [paths...]`: validates alert rule files the way the hub
 * loads them (docs/alert-rules.md), like `promtool check rules`. Offline: it
 * reads files, it does not talk to a hub. Every error is printed as
 * `file:line:col: message`, then a summary line.
 */
export const DEFAULT_RULES_PATH = 'alert-rules';
export const DEFAULT_TESTS_PATH = 'alert-rules/tests';

const FORMATS = ['text', 'json'] as const;

interface CheckOptions {
  format: (typeof FORMATS)[number];
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "3 files, 12 rules, 0 errors". */
export function summaryLine(result: LoadResult): string {
  return `${count(result.files.length, 'file')}, ${count(result.ruleCount, 'rule')}, ${count(result.errors.length, 'error')}`;
}

/** Names of the routing file, which is checked with the rule files of its folder. */
const ROUTING_FILES = ['routing.yaml', 'routing.yml'];

/** The routing files among the paths: given as such, or inside a given folder. */
function routingFilesOf(targets: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    if (ROUTING_FILES.includes(path.basename(t)) && statSync(t).isFile()) out.push(t);
    else if (statSync(t).isDirectory()) {
      for (const name of ROUTING_FILES) if (existsSync(path.join(t, name))) out.push(path.join(t, name));
    }
  }
  return out;
}

function emptyResult(): LoadResult {
  return { files: [], ruleCount: 0, errors: [], ruleSet: null };
}

export function registerRulesCommand(program: Command, out: Output, env: Env = {}): void {
  const rules = program
    .command('rules')
    .summary('work with alert rule files')
    .description('Alert rules as code: YAML files in alert-rules/ (docs/alert-rules.md).');
  rules
    .command('check')
    .summary('validate alert rule files')
    .description(
      'Validate alert rule files as the hub loads them: YAML, the schema, durations, log queries, ' +
        'templates, labels, unique names. Prints every error as file:line:col: message, then a summary.',
    )
    .argument('[paths...]', `rule files or folders of *.yaml / *.yml files (default: ${DEFAULT_RULES_PATH}/)`)
    .addOption(new Option('--format <format>', 'text, or json for tools').choices(FORMATS).default('text'))
    .addHelpText(
      'after',
      '\nExit codes: 0 valid, 1 invalid (the errors are printed), 2 usage error\n' +
        '(a path that does not exist, no rule files).',
    )
    .action(async (paths: string[], o: CheckOptions) => {
      const targets = paths.length > 0 ? paths : [DEFAULT_RULES_PATH];
      for (const p of targets) {
        if (!existsSync(p)) throw new UsageError(`${p}: no such file or folder`);
      }
      // Loaded here, not at the top: the loader pulls in the query compiler and
      // @obshub/core (seconds under tsx), which `hub deploy` and `hub --help` do not need.
      const { formatRuleError, loadRules, sortRuleErrors } = await import('@obshub/api/alert-rules');
      // The routing file (docs/notifications.md) lives beside the rules: checked too, by its own schema.
      const { loadRoutingFile } = await import('@obshub/api/alert-routing');
      const routingFiles = routingFilesOf(targets);
      const ruleTargets = targets.filter((t) => !routingFiles.includes(t));
      const rulesResult = ruleTargets.length > 0 ? await loadRules(ruleTargets) : emptyResult();
      const routingResults = await Promise.all(routingFiles.map((f) => loadRoutingFile(f)));
      const result: LoadResult = {
        ...rulesResult,
        files: [...rulesResult.files, ...routingFiles],
        errors: sortRuleErrors([...rulesResult.errors, ...routingResults.flatMap((r) => r.errors)]),
      };
      if (result.files.length === 0) {
        throw new UsageError(`no rule files (*.yaml, *.yml) in ${targets.join(', ')}`);
      }
      if (o.format === 'json') {
        const { files, ruleCount, errors } = result;
        out.stdout(`${JSON.stringify({ files, rules: ruleCount, errors }, null, 2)}\n`);
      } else {
        for (const error of result.errors) out.stdout(`${formatRuleError(error)}\n`);
        out.stdout(`${summaryLine(result)}\n`);
      }
      if (result.errors.length > 0) throw new CheckFailed(summaryLine(result));
    });
  rules
    .command('test')
    .summary('run rule unit tests against sample data')
    .description(
      'Run alert rule unit tests (promtool-like YAML files: rule_files, input_series, input_logs, ' +
        'alert_rule_test) with the real evaluator on ClickHouse: CLICKHOUSE_URL when set (a temporary ' +
        'database), otherwise a throwaway local clickhouse-server. Format: docs/alert-rules.md.',
    )
    .argument('[paths...]', `test files or folders of *.yaml files (default: ${DEFAULT_TESTS_PATH}/)`)
    .addHelpText(
      'after',
      '\nExit codes: 0 every test passes, 1 failures (each is printed), 2 usage or file error.',
    )
    .action(async (paths: string[]) => {
      const targets = paths.length > 0 ? paths : [DEFAULT_TESTS_PATH];
      const files: string[] = [];
      for (const p of targets) {
        if (!existsSync(p)) throw new UsageError(`${p}: no such file or folder`);
        if (statSync(p).isDirectory()) {
          files.push(
            ...readdirSync(p)
              .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.'))
              .sort()
              .map((f) => path.join(p, f)),
          );
        } else files.push(p);
      }
      if (files.length === 0) throw new UsageError(`no test files (*.yaml, *.yml) in ${targets.join(', ')}`);
      const { runRuleTests } = await import('../rules-test/report.ts');
      const failed = await runRuleTests(files, env['CLICKHOUSE_URL'], out);
      if (failed) throw new CheckFailed('rule tests failed');
    });
}
