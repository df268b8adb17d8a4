import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ApiErrors } from '../errors.ts';

/**
 * Teams as code: a YAML file that says which services (optionally which
 * environments) each team owns, and which people and API tokens belong to which
 * teams. Tokens are stored as SHA-256 hex digests, never in clear.
 */
const ServiceGrant = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      environments: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
]);

const Team = Type.Object({ services: Type.Array(ServiceGrant) }, { additionalProperties: false });

export const SCOPES = ['read', 'deploy', 'admin'] as const;

const Member = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    kind: Type.Union([Type.Literal('person'), Type.Literal('token')], { default: 'person' }),
    role: Type.Union([Type.Literal('member'), Type.Literal('admin')], { default: 'member' }),
    teams: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    tokenSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { default: ['read'] }),
  },
  { additionalProperties: false },
);

export const TeamsFile = Type.Object(
  {
    teams: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Team, { default: {} }),
    members: Type.Array(Member, { default: [] }),
  },
  { additionalProperties: false },
);
export type TeamsFile = Static<typeof TeamsFile>;

/** Parses and validates the teams file text; every problem names its path. */
export function parseTeamsFile(text: string, source = 'teams file'): TeamsFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ApiErrors.ACCESS_CONFIG_INVALID(`${source} is not valid YAML: ${(err as Error).message}`);
  }
  const withDefaults = Value.Default(TeamsFile, raw ?? {});
  const errors = [...Value.Errors(TeamsFile, withDefaults)];
  if (errors.length > 0) {
    throw new ApiErrors.ACCESS_CONFIG_INVALID(
      `${source}: ${errors
        .slice(0, 5)
        .map((e) => `${e.path || '/'} ${e.message}`)
        .join('; ')}`,
    );
  }
  const file = withDefaults as TeamsFile;
  const digests = new Set<string>();
  for (const m of file.members) {
    for (const t of m.teams) {
      if (!(t in file.teams))
        throw new ApiErrors.ACCESS_CONFIG_INVALID(`${source}: member "${m.name}" names unknown team "${t}"`);
    }
    if (digests.has(m.tokenSha256)) {
      throw new ApiErrors.ACCESS_CONFIG_INVALID(
        `${source}: member "${m.name}" reuses another member's token`,
      );
    }
    digests.add(m.tokenSha256);
  }
  return file;
}

export function loadTeamsFile(path: string): TeamsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApiErrors.ACCESS_CONFIG_INVALID(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseTeamsFile(text, path);
}
