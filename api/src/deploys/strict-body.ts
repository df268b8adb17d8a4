import type { FastifyRouteSchemaDef, FastifyValidationResult } from 'fastify/types/schema.js';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { ApiErrors } from '../errors.ts';

/**
 * A validator for write bodies that refuses what fastify's default Ajv setup
 * would quietly accept: it removes unknown properties (removeAdditional) and
 * coerces types. A deploy reported with a misspelt field ("comit") should fail
 * loudly, not be stored without it. Defaults from the schema are applied first;
 * the first problem is answered as 400 HUB_API_BAD_REQUEST naming the field.
 */
export function strictBody<S>(def: FastifyRouteSchemaDef<S>): FastifyValidationResult {
  const schema = def.schema as unknown as TSchema;
  const check = TypeCompiler.Compile(schema);
  return (data: unknown) => {
    const value: unknown = Value.Default(schema, data);
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const where = first?.path ? `body${first.path.replaceAll('/', '.')}` : 'body';
    return {
      error: new ApiErrors.BAD_REQUEST(
        `${where}: ${first ? describe(first.schema, first.message) : 'invalid'}`,
      ),
    };
  };
}

/** "must be one of a, b, c" for a union of literals (TypeBox says only "Expected union value"). */
function describe(schema: TSchema, message: string): string {
  const options = (schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (options?.every((o) => typeof o.const === 'string'))
    return `must be one of ${options.map((o) => String(o.const)).join(', ')}`;
  return message;
}
