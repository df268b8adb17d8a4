import { open, readFile, readdir, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { TABLE_NAMES, type TableName } from '../otlp/decoded.ts';

/**
 * Write-ahead log: one file per batch, named `<table>.<batch key hex>.wal`.
 * Entries are appended strictly in order (one write in flight per file) and a
 * request is acknowledged only after the fdatasync that covers its entry, so a
 * torn tail after a crash can only hold entries that were never acknowledged.
 *
 * Entry: u32 payload length, u32 rows, u32 CRC-32 of payload, u32 minTs, u32 maxTs, payload.
 */
const HEADER_BYTES = 20;
/**
 * Marks files whose logs rows have the log_resources layout (resource_fingerprint, no
 * resource arrays); a file without it was written before migration 9 (legacyLayout).
 */
const LAYOUT_MARK = 'r2';
const WAL_FILE = new RegExp(`^(${TABLE_NAMES.join('|')})\\.([0-9a-f]{10})(\\.${LAYOUT_MARK})?\\.wal$`);

interface PendingAppend {
  buffers: Buffer[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export class WalFile {
  private readonly opening: Promise<FileHandle>;
  private fh: FileHandle | undefined;
  private size = 0;
  private readonly queue: PendingAppend[] = [];
  private draining: Promise<void> | undefined;
  private failed: Error | undefined;

  /** Whether the file's directory entry is known durable (fsync of the folder after creating it). */
  private dirSynced: boolean;

  /** Opens the file in the background so a batch can be created synchronously. */
  constructor(
    private readonly dir: string,
    table: TableName,
    batchKey: number,
    private readonly fsync: boolean,
  ) {
    this.dirSynced = !fsync;
    this.file = path.join(dir, `${table}.${batchKey.toString(16).padStart(10, '0')}.${LAYOUT_MARK}.wal`);
    this.opening = open(this.file, 'w');
    // Failures surface on the first append or on close.
    this.opening.catch(() => undefined);
  }

  readonly file: string;

  /** Resolves once the entry is on disk (fdatasync'd when fsync is on). */
  append(payload: Buffer, rows: number, minTs: number, maxTs: number): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(rows, 4);
    header.writeUInt32LE(crc32(payload), 8);
    header.writeUInt32LE(Math.max(0, Math.min(minTs, 4294967295)), 12);
    header.writeUInt32LE(Math.max(0, Math.min(maxTs, 4294967295)), 16);
    return new Promise((resolve, reject) => {
      this.queue.push({ buffers: [header, payload], resolve, reject });
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0);
      const buffers = group.flatMap((g) => g.buffers);
      try {
        this.fh ??= await this.opening;
        const fh = this.fh;
        let offset = this.size;
        let written = 0;
        const total = buffers.reduce((n, b) => n + b.length, 0);
        // writev may write less than asked: continue from where it stopped.
        while (written < total) {
          const res = await fh.writev(sliceFrom(buffers, written), offset);
          written += res.bytesWritten;
          offset += res.bytesWritten;
        }
        this.size = offset;
        if (this.fsync) await fh.datasync();
        // fdatasync covers the file's data, not its name: until the folder is synced
        // once, a power loss can drop the new file with every entry acknowledged in it.
        if (!this.dirSynced) {
          await syncDirectory(this.dir);
          this.dirSynced = true;
        }
        for (const g of group) g.resolve();
      } catch (err) {
        this.failed = err as Error;
        for (const g of group) g.reject(err as Error);
      }
    }
    this.draining = undefined;
  }

  /** Waits for every append to settle, then closes the file. */
  async close(): Promise<void> {
    while (this.draining) await this.draining;
    if (this.closed) return;
    this.closed = true;
    const fh = this.fh ?? (await this.opening.catch(() => undefined));
    await fh?.close();
    this.fh = undefined;
  }

  private closed = false;

  async remove(): Promise<void> {
    await this.close();
    await unlink(this.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sliceFrom(buffers: Buffer[], skip: number): Buffer[] {
  if (skip === 0) return buffers;
  const out: Buffer[] = [];
  let left = skip;
  for (const b of buffers) {
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    out.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return out;
}

export interface RecoveredBatch {
  file: string;
  table: TableName;
  batchKey: number;
  chunks: Buffer[];
  rows: number;
  bytes: number;
  minTs: number;
  maxTs: number;
  /** Bytes at the end that did not form a whole, valid entry (never acknowledged). */
  discardedBytes: number;
  /** Written by a collector before log_resources: logs rows carry their resource arrays. */
  legacyLayout: boolean;
}

/** Reads one WAL file, stopping at the first incomplete or corrupt entry. */
export async function readWalFile(file: string): Promise<RecoveredBatch | undefined> {
  const match = WAL_FILE.exec(path.basename(file));
  if (!match) return undefined;
  const data = await readFile(file);
  const batch: RecoveredBatch = {
    file,
    table: match[1] as TableName,
    batchKey: parseInt(match[2] as string, 16),
    chunks: [],
    rows: 0,
    bytes: 0,
    minTs: Infinity,
    maxTs: -Infinity,
    discardedBytes: 0,
    legacyLayout: match[3] === undefined,
  };
  let pos = 0;
  while (pos + HEADER_BYTES <= data.length) {
    const len = data.readUInt32LE(pos);
    const rows = data.readUInt32LE(pos + 4);
    const crc = data.readUInt32LE(pos + 8);
    const end = pos + HEADER_BYTES + len;
    if (len === 0 || end > data.length) break;
    const payload = data.subarray(pos + HEADER_BYTES, end);
    if (crc32(payload) !== crc) break;
    batch.chunks.push(payload);
    batch.rows += rows;
    batch.bytes += len;
    batch.minTs = Math.min(batch.minTs, data.readUInt32LE(pos + 12));
    batch.maxTs = Math.max(batch.maxTs, data.readUInt32LE(pos + 16));
    pos = end;
  }
  batch.discardedBytes = data.length - pos;
  return batch;
}

/** Every batch left in the WAL folder (after a crash or an unfinished shutdown). */
export async function recoverWal(dir: string): Promise<RecoveredBatch[]> {
  await mkdir(dir, { recursive: true });
  const names = (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
  const out: RecoveredBatch[] = [];
  for (const name of names) {
    const batch = await readWalFile(path.join(dir, name));
    if (batch) out.push(batch);
  }
  return out.sort((a, b) => TABLE_NAMES.indexOf(a.table) - TABLE_NAMES.indexOf(b.table));
}
