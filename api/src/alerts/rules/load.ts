import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ApiErrors } from '../../errors.ts';
import type { LoadedGroup, RuleSet } from './model.ts';
import { Reporter } from './reporter.ts';
import { RULE_ERROR_CODES as CODES, formatRuleError, sortRuleErrors, type RuleError } from './rule-error.ts';
import { SourceMap } from './source-map.ts';
import { validateRuleData } from './validate.ts';

/**
 * Reads rule files: YAML parsed with node positions (every error gets its file,
 * line and column), validated, normalized; group names checked across files.
 * A load gives either the whole rule set or every error, never a part of the
 * rules: an invalid file must not silently drop the rules it holds.
 */

/** Files of a rules folder that are read: *.yaml and *.yml, not hidden (editor backups start with "."). */
export const RULE_FILE_EXTENSIONS = ['.yaml', '.yml'] as const;
/** YAML files of the rules folder that are not rule files: the notification routing file (docs/notifications.md). */
export const NON_RULE_FILES: readonly string[] = ['routing.yaml', 'routing.yml'];
/** A rule file larger than this is refused rather than parsed. */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

export interface ParsedRuleFile {
  readonly file: string;
  /** Empty when the file has errors: a file is taken whole or not at all. */
  readonly groups: readonly LoadedGroup[];
  readonly groupNames: readonly { readonly name: string; readonly line: number; readonly column: number }[];
  readonly ruleCount: number;
  readonly errors: readonly RuleError[];
}

export interface LoadResult {
  readonly files: readonly string[];
  /** Rules written in the files, valid or not. */
  readonly ruleCount: number;
  /** Every error, in file, line, column order. */
  readonly errors: readonly RuleError[];
  /** The rules when there is no error at all; null otherwise. */
  readonly ruleSet: RuleSet | null;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Parses and validates the text of one rule file. Never throws: problems are errors of the result. */
export function parseRuleText(text: string, file: string): ParsedRuleFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  const map = new SourceMap(doc, lines, text);
  const report = new Reporter(file, map);
  const empty = { file, groups: [], groupNames: [], ruleCount: 0 };
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    for (const problem of yamlProblems) {
      const message =
        problem.code === 'MULTIPLE_DOCS'
          ? 'a rule file holds one YAML document: remove the second "---"'
          : firstLine(problem.message);
      report.atOffset(CODES.YAML, problem.pos[0], `invalid YAML: ${message}`);
    }
    return { ...empty, errors: report.errors };
  }
  let data: unknown;
  try {
    // maxAliasCount bounds what aliases can expand to ("billion laughs").
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    report.atOffset(CODES.YAML, 0, `invalid YAML: ${firstLine((err as Error).message)}`);
    return { ...empty, errors: report.errors };
  }
  const validated = validateRuleData(data, report, map);
  return {
    file,
    groups: report.errors.length > 0 ? [] : validated.groups,
    groupNames: validated.groupNames.map((g) => ({ name: g.name, ...map.position(map.valueOffset(g.path)) })),
    ruleCount: validated.ruleCount,
    errors: sortRuleErrors(report.errors),
  };
}

/** Rule files of a folder (not its subfolders), sorted by name. */
export async function listRuleFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter(
    (name) =>
      !name.startsWith('.') &&
      !NON_RULE_FILES.includes(name) &&
      RULE_FILE_EXTENSIONS.some((ext) => name.endsWith(ext)),
  );
  const files: string[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    // stat follows symbolic links: a link to a rule file counts, a folder named x.yaml does not.
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) files.push(file);
  }
  return files;
}

function fileError(file: string, message: string): RuleError {
  return { file, line: 1, column: 1, code: CODES.FILE, message };
}

/** Reads one file, or says why it cannot. */
async function readRuleFile(file: string): Promise<ParsedRuleFile> {
  const empty = { file, groups: [], groupNames: [], ruleCount: 0 };
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_RULE_FILE_BYTES) {
      return { ...empty, errors: [fileError(file, `the file is larger than ${MAX_RULE_FILE_BYTES} bytes`)] };
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ...empty, errors: [fileError(file, `cannot read the file: ${(err as Error).message}`)] };
  }
  return parseRuleText(text, file);
}

/**
 * Loads rule files and folders (each folder's *.yaml and *.yml files). Group
 * names must be unique across all of them. Never throws: a path that cannot be
 * read is an error of the result.
 */
export async function loadRules(paths: readonly string[]): Promise<LoadResult> {
  const files: string[] = [];
  const errors: RuleError[] = [];
  for (const p of paths) {
    try {
      if ((await stat(p)).isDirectory()) files.push(...(await listRuleFiles(p)));
      else files.push(p);
    } catch (err) {
      errors.push(fileError(p, `cannot read: ${(err as Error).message}`));
    }
  }
  const unique = [...new Set(files)];
  const parsed = await Promise.all(unique.map(readRuleFile));
  const firstGroup = new Map<string, { file: string; line: number }>();
  for (const file of parsed) {
    errors.push(...file.errors);
    for (const g of file.groupNames) {
      const first = firstGroup.get(g.name);
      if (first === undefined) {
        firstGroup.set(g.name, { file: file.file, line: g.line });
        continue;
      }
      errors.push({
        file: file.file,
        line: g.line,
        column: g.column,
        code: CODES.DUPLICATE,
        message: `group ${JSON.stringify(g.name)} is defined twice (first in ${first.file}:${first.line}); group names are unique across files`,
      });
    }
  }
  const groups = parsed.flatMap((f) => f.groups);
  return {
    files: unique,
    ruleCount: parsed.reduce((n, f) => n + f.ruleCount, 0),
    errors: sortRuleErrors(errors),
    ruleSet: errors.length > 0 ? null : { files: unique, groups, rules: groups.flatMap((g) => g.rules) },
  };
}

/** The rule set of a load, or HUB_API_ALERT_RULES_INVALID listing the first errors. */
export function requireValidRules(result: LoadResult): RuleSet {
  if (result.ruleSet !== null) return result.ruleSet;
  const shown = result.errors.slice(0, 5).map(formatRuleError);
  const more =
    result.errors.length > shown.length ? ` (and ${result.errors.length - shown.length} more)` : '';
  throw new ApiErrors.ALERT_RULES_INVALID(`${shown.join('; ')}${more}`);
}
