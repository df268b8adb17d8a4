import type { RuleError, RuleErrorCode } from './rule-error.ts';
import type { Anchor } from './schema-errors.ts';
import type { PathSegment, SourceMap } from './source-map.ts';

/** Collects the errors of one file, placing each at its line and column. */
export class Reporter {
  readonly errors: RuleError[] = [];

  constructor(
    readonly file: string,
    private readonly map: SourceMap | null,
  ) {}

  /** An error at a character offset of the file. */
  atOffset(code: RuleErrorCode, offset: number, message: string): void {
    const { line, column } = this.map ? this.map.position(offset) : { line: 1, column: 1 };
    this.errors.push({ file: this.file, line, column, code, message });
  }

  /** An error about the value at a path (anchor 'key': its key; 'parent': the mapping that holds it). */
  at(code: RuleErrorCode, path: readonly PathSegment[], message: string, anchor: Anchor = 'value'): void {
    if (!this.map) return this.atOffset(code, 0, message);
    const offset =
      anchor === 'key'
        ? this.map.keyOffset(path)
        : anchor === 'parent'
          ? this.map.valueOffset(path.slice(0, -1))
          : this.map.valueOffset(path);
    this.atOffset(code, offset, message);
  }

  /** An error at character `index` of the string at a path (a query or template position). */
  inString(code: RuleErrorCode, path: readonly PathSegment[], index: number, message: string): void {
    if (!this.map) return this.atOffset(code, 0, message);
    this.atOffset(code, this.map.stringOffset(path, index), message);
  }

  /** Number of errors so far, to tell whether a part added any. */
  get count(): number {
    return this.errors.length;
  }
}
