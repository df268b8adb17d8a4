import { expect } from 'vitest';

/** Fails with the first differing byte and its surroundings when two RowBinary encodings differ. */
export function expectSameBytes(proto: Buffer | undefined, json: Buffer | undefined, what: string): void {
  if (proto === undefined || json === undefined) {
    expect(json, `${what}: only one path produced rows`).toBe(proto);
    return;
  }
  if (proto.equals(json)) return;
  let i = 0;
  while (i < proto.length && proto[i] === json[i]) i++;
  const around = (b: Buffer): string => b.subarray(Math.max(0, i - 16), i + 16).toString('hex');
  expect.fail(
    `${what}: RowBinary differs at byte ${i} (protobuf ${proto.length} B, JSON ${json.length} B)\n` +
      `  protobuf …${around(proto)}…\n  json     …${around(json)}…`,
  );
}
