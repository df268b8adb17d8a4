import { LOG_INSERT_COLUMN_SPECS } from '../../core/src/index.ts';

/**
 * Re-encodes log rows from RowBinary (as the collector produces them) into
 * JSONEachRow and TabSeparated, so the raw-insert reference can compare formats
 * on identical rows. Only the column types of LOG_INSERT_COLUMN_SPECS are handled.
 */
type Value = string | number | string[] | number[];

class BinReader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
  }
  u8(): number {
    return this.buf[this.pos++] as number;
  }
  u16(): number {
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): string {
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v.toString();
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const len = this.varint();
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

function dateTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function readRow(r: BinReader): Value[] {
  const row: Value[] = [];
  for (const col of LOG_INSERT_COLUMN_SPECS) {
    switch (col.type) {
      case 'UInt64':
        row.push(r.u64());
        break;
      case 'DateTime':
        row.push(dateTime(r.u32()));
        break;
      case 'UInt32':
        row.push(r.u32());
        break;
      case 'UInt16':
        row.push(r.u16());
        break;
      case 'UInt8':
        row.push(r.u8());
        break;
      case 'String':
        row.push(r.string());
        break;
      case 'Array(String)': {
        const n = r.varint();
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(r.string());
        row.push(items);
        break;
      }
      case 'Array(Float64)': {
        const n = r.varint();
        const items: number[] = [];
        for (let i = 0; i < n; i++) items.push(r.f64());
        row.push(items);
        break;
      }
      default:
        throw new Error(`unhandled column type ${(col as { type: string }).type}`);
    }
  }
  return row;
}

export function decodeRowBinary(buf: Buffer): Value[][] {
  const r = new BinReader(buf);
  const rows: Value[][] = [];
  while (!r.done) rows.push(readRow(r));
  return rows;
}

export function toJsonEachRow(rows: readonly Value[][]): Buffer {
  const names = LOG_INSERT_COLUMN_SPECS.map((c) => c.name);
  let out = '';
  for (const row of rows) {
    const obj: Record<string, Value> = {};
    row.forEach((v, i) => (obj[names[i] as string] = v));
    out += JSON.stringify(obj) + '\n';
  }
  return Buffer.from(out, 'utf8');
}

const escapeTsv = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
const quoteInArray = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;

export function toTabSeparated(rows: readonly Value[][]): Buffer {
  let out = '';
  for (const row of rows) {
    out +=
      row
        .map((v) => {
          if (Array.isArray(v)) {
            return `[${(v as (string | number)[]).map((x) => (typeof x === 'string' ? quoteInArray(x) : String(x))).join(',')}]`;
          }
          return typeof v === 'string' ? escapeTsv(v) : String(v);
        })
        .join('\t') + '\n';
  }
  return Buffer.from(out, 'utf8');
}
