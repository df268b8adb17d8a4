import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { LoadResult } from '@obshub/api/alert-rules';
import { CheckFailed, UsageError } from '../exit-codes.ts';
import type { Output } from '../output.ts';

/**
 * `hub rules check [paths...]`: validates alert rule files the way the hub
 * loads them (docs/alert-rules.md), like `promtool check rules`. Offline: it
 * reads files, it does not talk to a hub. Every error is printed as
 * `file:line:col: message`, then a summary line.
 */
export const DEFAULT_RULES_PATH = 'alert-rules';

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

export function registerRulesCommand(program: Command, out: Output): void {
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
      const { formatRuleError, loadRules } = await import('@obshub/api/alert-rules');
      const result = await loadRules(targets);
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
}
