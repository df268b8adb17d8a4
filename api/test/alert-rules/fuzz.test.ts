import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseRuleText, RULE_ERROR_CODES, type ParsedRuleFile } from '../../src/alerts/rules/index.ts';

/**
 * Whatever a rule file holds, loading it never throws: every problem comes back
 * as an error with a file, a line and column inside the text, a known code and
 * a message. (An exception here would take down the watcher's reload or
 * `hub rules check` with a stack trace instead of a message.)
 */
const CODES = new Set<string>(Object.values(RULE_ERROR_CODES));
const example = readFileSync(path.resolve(import.meta.dirname, '../../../alert-rules/checkout.yaml'), 'utf8');

function wellFormed(text: string, result: ParsedRuleFile): void {
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const e of result.errors) {
    expect(CODES.has(e.code), e.code).toBe(true);
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.file).toBe('fuzz.yaml');
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.line).toBeLessThanOrEqual(lines + 1);
    expect(e.column).toBeGreaterThanOrEqual(1);
  }
  if (result.errors.length > 0) expect(result.groups).toEqual([]);
}

function check(text: string): ParsedRuleFile {
  const result = parseRuleText(text, 'fuzz.yaml');
  wellFormed(text, result);
  return result;
}

/** Pieces of rule files, so that random texts get past the YAML parser often. */
const piece = fc.constantFrom(
  'groups:',
  '\n',
  '  ',
  '- ',
  'name: x',
  'rules:',
  'alert: A',
  'kind: log',
  'kind: metric',
  'kind: absence',
  "query: 'a AND ('",
  'query: service:x',
  'window: 5m',
  'for: 5 minutes',
  "condition: { op: '>', threshold: 1 }",
  'recovery: 2',
  'labels: {a: b}',
  "annotations: { summary: '{{$value}}' }",
  '{{#if}}',
  '&a ',
  '*a',
  '<<: *a',
  '[',
  ']',
  '{',
  '}',
  ':',
  '"',
  "'",
  '|',
  '>',
  '#',
  '---',
  '!!binary',
  '!tag',
  '__proto__: 1',
  'constructor: 1',
  '\t',
  '\u2028',
  '\ud800',
);

describe('rule files never throw', () => {
  it('arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => void check(text)),
      { numRuns: 500 },
    );
  });

  it('texts made of rule-file pieces', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => void check(pieces.join(''))),
      { numRuns: 1000 },
    );
  });

  it('any YAML value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => void check(stringify(value))),
      { numRuns: 500 },
    );
  });

  it('the example rules with one value replaced by anything', () => {
    const doc = parseYaml(example) as { groups: Record<string, unknown>[] };
    const rule = (doc.groups[0]?.['rules'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    const keys = [...Object.keys(rule), 'group_by', 'ratio_of', 'no_data', 'reduce', 'unknown'];
    const value = fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.constantFrom('5m', '0', '1h30m', '{{$value}}', 'severity:loud', '(', '>', 'log', 'absence', '#x'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...keys), value, fc.option(fc.constantFrom(...keys)), (key, v, nested) => {
        const copy = structuredClone(doc);
        const target = (copy.groups[0]?.['rules'] as Record<string, unknown>[])[0] as Record<string, unknown>;
        if (nested !== null && typeof target[key] === 'object' && target[key] !== null) {
          (target[key] as Record<string, unknown>)[nested] = v;
        } else target[key] = v;
        check(stringify(copy));
      }),
      { numRuns: 500 },
    );
  });

  it('the example rules are valid, and every prefix of them loads without throwing', () => {
    expect(check(example).errors).toEqual([]);
    for (let end = 0; end < example.length; end += 7) check(example.slice(0, end));
  });
});
