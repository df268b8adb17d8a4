import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { listRuleFiles, loadRules, ruleFileJsonSchema } from '../../src/alerts/rules/index.ts';

/**
 * alert-rules/schema.json is what editors validate rule files with; it must be
 * the TypeBox schema of the loader (npm run rules:schema writes it), and a
 * plain JSON Schema validator must agree with the loader on the shipped rules.
 */
const root = path.resolve(import.meta.dirname, '../../..');
const schemaFile = path.join(root, 'alert-rules/schema.json');

describe('alert-rules/schema.json', () => {
  it('is up to date (npm run rules:schema)', async () => {
    const expected = await format(JSON.stringify(ruleFileJsonSchema(), null, 2), {
      ...(await resolveConfig(schemaFile)),
      filepath: schemaFile,
    });
    expect(readFileSync(schemaFile, 'utf8')).toBe(expected);
  });

  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addKeyword('patternErrorMessage');
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>);

  it('accepts every shipped rule file, which the loader accepts too', async () => {
    const files = await listRuleFiles(path.join(root, 'alert-rules'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const ok = validate(parseYaml(readFileSync(file, 'utf8')));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(ok).toBe(true);
    }
    const loaded = await loadRules([path.join(root, 'alert-rules')]);
    expect(loaded.errors).toEqual([]);
    expect(new Set(loaded.ruleSet?.rules.map((r) => r.kind))).toEqual(new Set(['log', 'metric', 'absence']));
  });

  it.each([
    [
      'an unknown field',
      { groups: [{ name: 'g', rules: [{ alert: 'A', kind: 'absence', service: 's', for: '5m', x: 1 }] }] },
    ],
    [
      'a bad duration',
      { groups: [{ name: 'g', rules: [{ alert: 'A', kind: 'absence', service: 's', for: '5 minutes' }] }] },
    ],
    ['an unknown kind', { groups: [{ name: 'g', rules: [{ alert: 'A', kind: 'logs' }] }] }],
    [
      'a bad label name',
      {
        groups: [
          {
            name: 'g',
            labels: { 'a-b': 'x' },
            rules: [{ alert: 'A', kind: 'absence', service: 's', for: '5m' }],
          },
        ],
      },
    ],
    [
      'a condition op unquoted in YAML (empty)',
      {
        groups: [
          {
            name: 'g',
            rules: [
              { alert: 'A', kind: 'log', query: '', window: '5m', condition: { op: '', threshold: 1 } },
            ],
          },
        ],
      },
    ],
  ])('rejects %s', (_what, file) => {
    expect(validate(file)).toBe(false);
  });
});
