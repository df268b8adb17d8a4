import { existsSync, readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { LineCounter, parseDocument } from 'yaml';
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from '../alerts/rules/durations.ts';
import { schemaProblems } from '../alerts/rules/schema-errors.ts';
import { SourceMap } from '../alerts/rules/source-map.ts';
import { ApiErrors } from '../errors.ts';
import { ComparisonInput, Signals, ThresholdOverrides } from './schemas.ts';

/**
 * Verification profiles: named sets of signals, window, comparison and
 * thresholds, kept as YAML in the repo (verification-profiles.yaml) and
 * reviewed like code. Validated with TypeBox; every error names its
 * file:line:column. The JSON schema for editors is generated from the same
 * TypeBox schema (npm run verification:schema).
 */
export const VerificationProfile = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    comparison: Type.Optional(ComparisonInput),
    window: Type.Optional(
      Type.String({ maxLength: 32, pattern: DURATION_PATTERN, patternErrorMessage: DURATION_HINT }),
    ),
    signals: Type.Optional(Signals),
    thresholds: Type.Optional(ThresholdOverrides),
  },
  { additionalProperties: false },
);
export type VerificationProfile = Static<typeof VerificationProfile>;

export const ProfilesFile = Type.Object(
  {
    profiles: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
      VerificationProfile,
      {
        minProperties: 1,
      },
    ),
  },
  { additionalProperties: false },
);
export type ProfilesFile = Static<typeof ProfilesFile>;

/** The default profiles file, relative to the API's working directory. */
export const DEFAULT_PROFILES_FILE = 'verification-profiles.yaml';

/** Window bounds: long enough for a minute step, short enough to stay within the day-before baseline. */
export const MIN_WINDOW_MS = 60_000;
export const MAX_WINDOW_MS = 6 * 3_600_000;

export interface ProfileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export const formatProfileError = (e: ProfileError): string =>
  `${e.file}:${e.line}:${e.column}: ${e.message}`;

export type Profiles = ReadonlyMap<string, VerificationProfile>;

/** Parses and validates profile text; errors carry file:line:column. */
export function parseProfiles(text: string, file: string): { profiles: Profiles; errors: ProfileError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const map = new SourceMap(doc, lines, text);
  const errors: ProfileError[] = [];
  const at = (offset: number, message: string) => errors.push({ file, ...map.position(offset), message });
  for (const problem of [...doc.errors, ...doc.warnings])
    at(problem.pos[0], `invalid YAML: ${problem.message.split('\n')[0] ?? ''}`);
  if (errors.length > 0) return { profiles: new Map(), errors };
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  for (const p of schemaProblems(ProfilesFile, data)) {
    const offset =
      p.anchor === 'key'
        ? map.keyOffset(p.path)
        : p.anchor === 'parent'
          ? map.valueOffset(p.path.slice(0, -1))
          : map.valueOffset(p.path);
    at(offset, p.message);
  }
  if (errors.length > 0) return { profiles: new Map(), errors: sorted(errors) };
  const parsed = data as ProfilesFile;
  for (const [name, profile] of Object.entries(parsed.profiles)) {
    if (profile.window === undefined) continue;
    const ms = parseDuration(profile.window) ?? 0;
    if (ms < MIN_WINDOW_MS || ms > MAX_WINDOW_MS)
      at(
        map.valueOffset(['profiles', name, 'window']),
        `profiles.${name}.window must be from 1m to 6h, got ${JSON.stringify(profile.window)}`,
      );
  }
  if (errors.length > 0) return { profiles: new Map(), errors: sorted(errors) };
  return { profiles: new Map(Object.entries(parsed.profiles)), errors: [] };
}

function sorted(errors: ProfileError[]): ProfileError[] {
  return [...errors].sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Reads the profiles file. An explicitly configured file must exist and be
 * valid (start-up stops with every error); the default file is optional.
 */
export function loadProfiles(configured: string): Profiles {
  const file = configured || DEFAULT_PROFILES_FILE;
  if (!existsSync(file)) {
    if (configured) throw new ApiErrors.VERIFICATION_PROFILES_INVALID(`${file}: no such file`);
    return new Map();
  }
  const { profiles, errors } = parseProfiles(readFileSync(file, 'utf8'), file);
  if (errors.length > 0)
    throw new ApiErrors.VERIFICATION_PROFILES_INVALID(`\n${errors.map(formatProfileError).join('\n')}`);
  return profiles;
}

/** verification-profiles.schema.json: the format as a plain JSON Schema (draft-07) for editors. */
export function profilesJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(JSON.parse(JSON.stringify(ProfilesFile)) as Record<string, unknown>),
  };
}
