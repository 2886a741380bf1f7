// The page's environment / namespace filter from its URL (`?env=prod&namespace=shop`), validated
// as the API validates `env=` / `namespace=` (lib/api/env.ts). Server and client safe: no I/O.
import type { EnvFilter } from '@/lib/hops/env';
import { parseEnvFilter } from '@/lib/api/env';

type SearchParams = Record<string, string | string[] | undefined>;

/** The filter, and a sentence for the page when a value was refused (the page then shows everything). */
export function envOf(sp: SearchParams): { filter: EnvFilter; notice?: string } {
  const url = new URL('http://eventscope.local/');
  for (const k of ['env', 'namespace']) {
    const v = sp[k];
    for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) url.searchParams.append(k, one);
  }
  try {
    return { filter: parseEnvFilter(url) };
  } catch (err) {
    return { filter: {}, notice: `${(err as Error).message}; showing every environment.` };
  }
}
