// `env=` and `namespace=` (issue 12): every view over the hop model or the spans can be restricted
// to one environment (`deployment.environment.name` / `deployment.environment`) and one namespace
// (`service.namespace` / `k8s.namespace.name`) of the resources, matched exactly (lib/hops/env.ts).
import type { EnvFilter } from '../hops/env.js';
import { ApiError } from './errors.js';
import { shown, textParam } from './params.js';

export const ENV_PARAMS = ['env', 'namespace'] as const;
const MAX_ENV = 256;

function envValue(url: URL, name: (typeof ENV_PARAMS)[number]): string | undefined {
  const v = textParam(url, name);
  if (v === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  if (v.length > MAX_ENV || /[\u0000-\u001f\u007f]/.test(v)) {
    throw new ApiError(`${name}: expected ${name === 'env' ? 'an environment' : 'a namespace'} name of at most ${MAX_ENV} printable characters, got ${shown(v)}`);
  }
  return v;
}

/** The validated environment / namespace filter of a request (absent parameters: everything). */
export function parseEnvFilter(url: URL): EnvFilter {
  const env = envValue(url, 'env');
  const namespace = envValue(url, 'namespace');
  return { ...(env !== undefined ? { env } : {}), ...(namespace !== undefined ? { namespace } : {}) };
}
