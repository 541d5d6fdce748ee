import { useEffect, useState } from 'react';

/** Hash routes (`#/numbers`): the gateway serves one index.html, and invite tokens stay in the fragment. */
export function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function go(path: string): void {
  window.location.hash = `#/${path}`;
}
