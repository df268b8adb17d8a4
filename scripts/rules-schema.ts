import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ruleFileJsonSchema } from '@obshub/api/alert-rules';
import { routingFileJsonSchema } from '@obshub/api/alert-routing';

/**
 * `npm run rules:schema`: writes alert-rules/schema.json, the JSON Schema of
 * the alert rule format generated from its TypeBox schema
 * (api/src/alerts/rules/schema.ts), and alert-rules/routing.schema.json, the
 * routing file's (api/src/alerts/notify/routing-schema.ts), formatted like the
 * rest of the repo. Editors use them through `# yaml-language-server: $schema=...`;
 * api/test/alert-rules/schema-file.test.ts and
 * api/test/alerts/notify/routing-file.test.ts fail when they are out of date.
 * `--check` only compares.
 */
const outputs = [
  { name: 'schema.json', schema: ruleFileJsonSchema() },
  { name: 'routing.schema.json', schema: routingFileJsonSchema() },
];
let stale = false;
for (const { name, schema } of outputs) {
  const file = path.resolve(import.meta.dirname, '../alert-rules', name);
  const text = await format(JSON.stringify(schema, null, 2), {
    ...(await resolveConfig(file)),
    filepath: file,
  });
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // missing: out of date
    }
    if (current !== text) {
      console.error(`alert-rules/${name} is out of date: run npm run rules:schema`);
      stale = true;
    } else console.log(`alert-rules/${name} is up to date`);
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
if (stale) process.exit(1);
