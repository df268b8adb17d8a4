import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
} from 'yaml';

/** 1-based line and column in a file, as editors and compilers print them. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A step into the parsed value: a mapping key or a list index. */
export type PathSegment = string | number;

/**
 * Finds where a value of the parsed YAML came from: the node at a path, the
 * key of a mapping entry, and the place of a character inside a string value
 * (for errors inside a log query or a template). Every lookup falls back to the
 * nearest enclosing node it can find (a path through a merge key `<<` has no
 * node of its own), so every error gets a position.
 */
export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  /** Line and column of a character offset of the file. */
  position(offset: number): Position {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, column: col };
  }

  /** The node at a path, or the deepest node on the way there; null before any (empty document). */
  node(path: readonly PathSegment[]): Node | null {
    let node = this.resolve(this.doc.contents);
    for (const segment of path) {
      const next = this.child(node, segment);
      if (next === undefined) break;
      node = next;
    }
    return node;
  }

  /** Offset where the value at a path starts (or its nearest enclosing node). */
  valueOffset(path: readonly PathSegment[]): number {
    return this.node(path)?.range?.[0] ?? 0;
  }

  /** Offset of the key of the entry at a path (`foo` in `foo: 1`), or of its value when there is no key. */
  keyOffset(path: readonly PathSegment[]): number {
    const parent = this.node(path.slice(0, -1));
    const name = path[path.length - 1];
    if (isMap(parent) && name !== undefined) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(name));
      if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
    }
    return this.valueOffset(path);
  }

  /**
   * Offset in the file of character `index` of the string value at a path: for a
   * query error at position 12 of `query: 'service:x AND ('`. Walks the value and
   * its source side by side: each non-space character of the value is found in
   * order in the source, which skips the quotes, indentation and escapes of every
   * scalar style. `index` = the value's length points just past its last character.
   */
  stringOffset(path: readonly PathSegment[], index: number): number {
    const node = this.node(path);
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return this.valueOffset(path);
    const value = node.value;
    const start = node.range[0];
    const source = this.text.slice(start, node.range[1]);
    let p = 0;
    if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') p = 1;
    else if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      const header = source.indexOf('\n');
      p = header < 0 ? source.length : header + 1;
    }
    const end = Math.min(Math.max(index, 0), value.length);
    for (let i = 0; i < end; i++) {
      const c = value[i] as string;
      if (/\s/.test(c)) {
        if (source[p] === c) p++;
        continue;
      }
      const found = source.indexOf(c, p);
      if (found < 0) return start + p;
      p = found + 1;
    }
    const next = value[end];
    if (next !== undefined && !/\s/.test(next)) {
      const found = source.indexOf(next, p);
      if (found >= 0) p = found;
    }
    return start + Math.min(p, source.length);
  }

  private resolve(node: unknown): Node | null {
    let current = node;
    // Aliases point at their anchor; a cycle cannot happen (an alias only refers back).
    for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(this.doc);
    return isCollection(current) || isScalar(current) ? current : null;
  }

  private child(node: Node | null, segment: PathSegment): Node | undefined {
    if (isSeq(node) && typeof segment === 'number') {
      const item = this.resolve(node.items[segment]);
      return item ?? undefined;
    }
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return undefined;
      // `key:` with nothing after it has no value node: point at the key.
      return this.resolve(pair.value) ?? (isScalar(pair.key) ? pair.key : undefined);
    }
    return undefined;
  }
}
