/** Whether a key event comes from a place that types text (then page shortcuts stay out of the way). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}

/**
 * List navigation for a table of links: ↓/j and ↑/k move the focus between
 * the elements matching `selector` inside `root`; Enter then opens the link.
 */
export function moveFocus(root: HTMLElement, selector: string, delta: number): void {
  const items = [...root.querySelectorAll<HTMLElement>(selector)];
  if (items.length === 0) return;
  const at = items.indexOf(document.activeElement as HTMLElement);
  const next =
    at < 0 ? (delta > 0 ? 0 : items.length - 1) : Math.max(0, Math.min(items.length - 1, at + delta));
  items[next]?.focus();
  items[next]?.scrollIntoView({ block: 'nearest' });
}

/** The keyboard handling of a filterable list page: "/" focuses the filter, j/k/↑/↓ walk the rows. */
export function listKeys(
  e: KeyboardEvent,
  filter: HTMLInputElement | undefined,
  root: HTMLElement | undefined,
  rowSelector: string,
): void {
  if (e.metaKey || e.ctrlKey || e.altKey) return;
  if (isTyping(e)) {
    // From the filter box, ↓ goes to the first row.
    if (e.key === 'ArrowDown' && e.target === filter && root) {
      e.preventDefault();
      moveFocus(root, rowSelector, 1);
    }
    return;
  }
  if (e.key === '/' && filter) {
    e.preventDefault();
    filter.focus();
    filter.select();
  } else if ((e.key === 'ArrowDown' || e.key === 'j') && root) {
    e.preventDefault();
    moveFocus(root, rowSelector, 1);
  } else if ((e.key === 'ArrowUp' || e.key === 'k') && root) {
    e.preventDefault();
    moveFocus(root, rowSelector, -1);
  }
}
