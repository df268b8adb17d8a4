import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { profilesJsonSchema } from '@obshub/api';

/**
 * `npm run verification:schema`: writes verification-profiles.schema.json, the
 * JSON Schema of verification profiles generated from their TypeBox schema
 * (api/src/verifications/profiles.ts). `--check` only compares (the profiles
 * test fails when the file is out of date).
 */
const file = path.resolve(import.meta.dirname, '../verification-profiles.schema.json');
const text = await format(JSON.stringify(profilesJsonSchema(), null, 2), {
  ...(await resolveConfig(file)),
  filepath: file,
});
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error('verification-profiles.schema.json is out of date: run npm run verification:schema');
    process.exit(1);
  }
  console.log('verification-profiles.schema.json is up to date');
} else {
  writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
