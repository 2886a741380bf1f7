// The environment / namespace picker for a page header (server part): the values seen in the last
// day, from the resources (lib/analysis/environments.ts); nothing is shown when the spans carry no
// environment or namespace and none is selected.
import { getEnvironments } from '@/lib/api/environments';
import { load } from '@/lib/ui/server';
import { EnvFilter } from './EnvFilter';
import { envOf } from './env';

type SearchParams = Record<string, string | string[] | undefined>;

export async function EnvPicker({ sp }: { sp: SearchParams }) {
  const { filter, notice } = envOf(sp);
  const r = await load((deps) => getEnvironments(deps, { fromMs: deps.now.getTime() - 86_400_000, toMs: deps.now.getTime() }));
  const environments = r.ok ? r.data.environments.map((e) => e.name) : [];
  const namespaces = r.ok ? r.data.namespaces.map((n) => n.name) : [];
  if (notice) return <span className="help" role="alert" style={{ color: 'var(--error)' }}>{notice}</span>;
  if (!environments.length && !namespaces.length && !filter.env && !filter.namespace) return null;
  return <EnvFilter environments={environments} namespaces={namespaces} env={filter.env} namespace={filter.namespace} />;
}
