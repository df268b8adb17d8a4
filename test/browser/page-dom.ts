/**
 * The few DOM shapes that functions run inside the page use. The root
 * tsconfig has no DOM lib (the rest of the repo is Node code), so page-side
 * callbacks reach the window through `globalThis as unknown as PageWindow`;
 * types are erased, so the function Playwright sends is plain JavaScript.
 */
export interface PageNode {
  readonly textContent: string | null;
  readonly scrollHeight: number;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): Iterable<PageNode> & { readonly length: number };
  scrollTo(x: number, y: number): void;
}

export interface PageWindow {
  readonly document: PageNode & {
    readonly documentElement: PageNode;
    readonly scripts: Iterable<{ readonly src: string }>;
  };
  readonly __xss?: unknown;
  getComputedStyle(node: unknown): { readonly color: string };
}
