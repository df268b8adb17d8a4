import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { describeValue } from './rule-error.ts';
import type { PathSegment } from './source-map.ts';

/**
 * TypeBox's validation errors as messages a person can act on: "for must be a
 * duration like 5m, 1h30m or 90s, got "5 minutes"", "unknown field "treshold"
 * (did you mean "threshold"?)", rather than "Expected string to match '^(0|…'".
 */

/** Where in the file an error points: the value, the key of the entry, or the mapping that lacks it. */
export type Anchor = 'value' | 'key' | 'parent';

export interface SchemaProblem {
  /** Path from the validated value's root (joined to the caller's base path). */
  readonly path: readonly PathSegment[];
  /** The field, as a message names it: `condition.op`, `query.matchers[0].key`. */
  readonly field: string;
  readonly message: string;
  readonly anchor: Anchor;
  /** The schema the value failed, e.g. to tell a duration from other strings. */
  readonly schema: TSchema;
}

/** Turns a field that is unknown here into an explanation, e.g. "window does not apply to absence rules". */
export type UnknownFieldHint = (field: string) => string | undefined;

/** JSON pointer (/groups/0/rules) to path segments; digit-only segments are list indexes. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** `query.matchers[0].op`; the empty path is "the file". */
export function fieldName(path: readonly PathSegment[]): string {
  let text = '';
  for (const s of path) text += typeof s === 'number' ? `[${s}]` : text === '' ? s : `.${s}`;
  return text || 'the file';
}

/** Levenshtein distance, for "did you mean" (names are short, so the quadratic table is fine). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(
        Math.min((row[j - 1] as number) + 1, (previous[j] as number) + 1, (previous[j - 1] as number) + cost),
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/** The closest known name within two edits, if any. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

const schemaOf = (schema: TSchema): Record<string, unknown> => schema;

function allowedLiterals(schema: TSchema): unknown[] | undefined {
  const anyOf = schemaOf(schema)['anyOf'];
  if (!Array.isArray(anyOf)) return undefined;
  const values = anyOf.map((s) => (s as Record<string, unknown>)['const']);
  return values.every((v) => v !== undefined) ? values : undefined;
}

function typeName(schema: TSchema): string {
  const type = schemaOf(schema)['type'];
  switch (type) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return 'a valid value';
  }
}

/** How a message names the field at a path, e.g. relative to the rule it is in. */
export type FieldNamer = (path: readonly PathSegment[]) => string;

export interface SchemaProblemOptions {
  readonly hint?: UnknownFieldHint;
  readonly fieldOf?: FieldNamer;
}

function describe(
  error: ValueError,
  path: readonly PathSegment[],
  options: SchemaProblemOptions,
): SchemaProblem {
  const fieldOf = options.fieldOf ?? fieldName;
  const field = fieldOf(path);
  // "condition: missing required field "threshold"", but just "missing required field "window"" in a rule.
  const parent = fieldOf(path.slice(0, -1));
  // Roots are named "the rule", "the group", "the file": no prefix for their direct fields.
  const within = parent === '' || parent.startsWith('the ') ? '' : `${parent}: `;
  const s = schemaOf(error.schema);
  const got = `, got ${describeValue(error.value)}`;
  const problem = (message: string, anchor: Anchor = 'value'): SchemaProblem => ({
    path,
    field,
    message,
    anchor,
    schema: error.schema,
  });
  const patternMessage = typeof s['patternErrorMessage'] === 'string' ? s['patternErrorMessage'] : undefined;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return problem(`${within}missing required field ${JSON.stringify(path[path.length - 1])}`, 'parent');
    case ValueErrorType.ObjectAdditionalProperties: {
      const name = String(path[path.length - 1]);
      if (s['patternProperties'] !== undefined) {
        return problem(
          `${within}${JSON.stringify(name)} is not a valid label name: use letters, digits and _, not starting with a digit`,
          'key',
        );
      }
      const explained = within === '' ? options.hint?.(name) : undefined;
      if (explained !== undefined) return problem(explained, 'key');
      const known = Object.keys((s['properties'] as Record<string, unknown> | undefined) ?? {});
      const close = suggest(name, known);
      return problem(
        `${within}unknown field ${JSON.stringify(name)}${close ? ` (did you mean ${JSON.stringify(close)}?)` : ''}`,
        'key',
      );
    }
    case ValueErrorType.StringPattern:
      return problem(`${field} ${patternMessage ?? `does not match ${String(s['pattern'])}`}${got}`);
    case ValueErrorType.StringMinLength:
      return problem(s['minLength'] === 1 ? `${field} must not be empty` : `${field} is too short`);
    case ValueErrorType.StringMaxLength:
      return problem(`${field} is longer than ${String(s['maxLength'])} characters`);
    case ValueErrorType.Union: {
      const literals = allowedLiterals(error.schema);
      if (literals)
        return problem(`${field} must be one of ${literals.map((v) => JSON.stringify(v)).join(', ')}${got}`);
      return problem(`${field} is not valid${got}`);
    }
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return problem(`${field} must be at least ${String(s['minimum'])}${got}`);
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return problem(`${field} must be at most ${String(s['maximum'])}${got}`);
    case ValueErrorType.ArrayMinItems:
      return problem(
        `${field} must have at least ${String(s['minItems'])} item${s['minItems'] === 1 ? '' : 's'}`,
      );
    case ValueErrorType.ArrayMaxItems:
      return problem(`${field} must have at most ${String(s['maxItems'])} items`);
    case ValueErrorType.ArrayUniqueItems:
      return problem(`${field} lists an item twice`);
    case ValueErrorType.ObjectMaxProperties:
      return problem(`${field} must have at most ${String(s['maxProperties'])} entries`);
    default: {
      // Wrong type. A duration written as a bare number gets the duration hint.
      if (patternMessage) return problem(`${field} ${patternMessage}${got}`);
      if (s['type'] === 'number' && typeof error.value === 'number')
        return problem(`${field} must be a finite number`);
      return problem(`${field} must be ${typeName(error.schema)}${got}`);
    }
  }
}

/**
 * Every problem of a value against a schema, one per path (the first TypeBox
 * reports there: a missing field is "missing", not also "not a string").
 */
export function schemaProblems(
  schema: TSchema,
  value: unknown,
  options: SchemaProblemOptions = {},
): SchemaProblem[] {
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    problems.push(describe(error, pointerToPath(error.path), options));
  }
  return problems;
}
