/**
 * A small history-based router: the path picks the page, the query string
 * holds the page's state. The API serves index.html for any page path, so a
 * link to /logs?q=... opens straight on that view.
 */
class Router {
  path = $state(location.pathname);
  search = $state(location.search);

  constructor() {
    window.addEventListener('popstate', () => this.sync());
  }

  private sync(): void {
    this.path = location.pathname;
    this.search = location.search;
  }

  /** Navigates within the app; `replace` keeps the history entry (for small changes). */
  go(url: string, replace = false): void {
    const next = new URL(url, location.href);
    if (next.pathname + next.search === location.pathname + location.search) return;
    if (replace) history.replaceState(null, '', next);
    else history.pushState(null, '', next);
    this.sync();
  }

  get params(): URLSearchParams {
    return new URLSearchParams(this.search);
  }
}

export const router = new Router();

/** Intercepts plain left clicks on same-origin links so they navigate without a reload. */
export function link(node: HTMLAnchorElement): { destroy(): void } {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const href = node.getAttribute('href');
    if (!href?.startsWith('/') || href.startsWith('//')) return;
    e.preventDefault();
    router.go(href);
  };
  node.addEventListener('click', onClick);
  return { destroy: () => node.removeEventListener('click', onClick) };
}
