// The environments and namespaces seen in a time range (issue 12): the values the env / namespace
// picker offers, from the resources of the spans (lib/hops/env.ts names the attributes read).
import type { Store } from '../store/index.js';
import { RESOURCE_ENV_SQL, RESOURCE_NAMESPACE_SQL } from '../hops/env.js';

export interface EnvironmentValue {
  name: string;
  /** services whose resources carry it */
  services: string[];
}

export interface EnvironmentsResult {
  environments: EnvironmentValue[];
  namespaces: EnvironmentValue[];
}

export async function environments(store: Store, q: { fromMs: number; toMs: number }): Promise<EnvironmentsResult> {
  const rows = await store.query<{ kind: 'env' | 'namespace'; name: string; services: string[] }>(
    `SELECT kind, name, arraySort(groupUniqArray(service_name)) AS services
       FROM (
         SELECT service_name, ${RESOURCE_ENV_SQL} AS env, ${RESOURCE_NAMESPACE_SQL} AS namespace
           FROM ${store.database}.resources
          WHERE day >= toDate(fromUnixTimestamp64Milli({fromMs:Int64})) AND day <= toDate(fromUnixTimestamp64Milli({toMs:Int64}))
       )
      ARRAY JOIN ['env', 'namespace'] AS kind, [env, namespace] AS name
      WHERE name != ''
      GROUP BY kind, name
      ORDER BY kind, name
      LIMIT 1000`,
    { name: 'environments', params: { fromMs: q.fromMs, toMs: q.toMs } },
  );
  const pick = (k: 'env' | 'namespace') => rows.filter((r) => r.kind === k).map((r) => ({ name: r.name, services: r.services }));
  return { environments: pick('env'), namespaces: pick('namespace') };
}
