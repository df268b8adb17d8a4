import { BUILTIN_NAMES, Redactor } from '../../src/index.ts';

/**
 * Every redaction setting a decoder path must agree under, by name: none, all
 * built-ins, each built-in alone, and user rules (which turn every byte path off),
 * alone and beside a built-in.
 */
export function redactionSettings(): [string, Redactor | undefined][] {
  const orders = { name: 'orders', pattern: 'orders/\\d+', replacement: 'orders/N' };
  return [
    ['no redaction', undefined],
    ['every built-in', new Redactor({ builtins: [...BUILTIN_NAMES], rules: [] })],
    ...BUILTIN_NAMES.map((name): [string, Redactor] => [name, new Redactor({ builtins: [name], rules: [] })]),
    ['a user rule', new Redactor({ builtins: [], rules: [orders] })],
    ['a user rule and a built-in', new Redactor({ builtins: ['email'], rules: [orders] })],
  ];
}
