import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ruleFileJsonSchema } from '@obshub/api/alert-rules';

/**
 * `npm run rules:schema`: writes alert-rules/schema.json, the JSON Schema of
 * the alert rule format generated from its TypeBox schema
 * (api/src/alerts/rules/schema.ts), formatted like the rest of the repo.
 * Editors use it through `# yaml-language-server: $schema=./schema.json`;
 * api/test/alert-rules/schema-file.test.ts fails when it is out of date.
 * `--check` only compares.
 */
const file = path.resolve(import.meta.dirname, '../alert-rules/schema.json');
const text = await format(JSON.stringify(ruleFileJsonSchema(), null, 2), {
  ...(await resolveConfig(file)),
  filepath: file,
});
if (process.argv.includes('--check')) {
  const current = readFileSync(file, 'utf8');
  if (current !== text) {
    console.error('alert-rules/schema.json is out of date: run npm run rules:schema');
    process.exit(1);
  }
  console.log('alert-rules/schema.json is up to date');
} else {
  writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
