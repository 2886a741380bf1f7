'use client';
// The environment / namespace picker of the page header: two selects that put `env=` /
// `namespace=` into the URL (the page reads them, the API takes the same values). Service names
// repeat across environments, so the filter is exact, on the resources' attributes.
import { usePathname, useRouter, useSearchParams } from 'next/navigation';

export function EnvFilter({ environments, namespaces, env, namespace }: { environments: string[]; namespaces: string[]; env?: string; namespace?: string }) {
  const router = useRouter();
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const set = (name: 'env' | 'namespace', value: string) => {
    const q = new URLSearchParams(sp?.toString() ?? '');
    if (value) q.set(name, value);
    else q.delete(name);
    const s = q.toString();
    router.push(s ? `${pathname}?${s}` : pathname);
  };
  const select = (name: 'env' | 'namespace', label: string, all: string, values: string[], current?: string, title?: string) => {
    // a value in the URL that the range does not know stays selectable (and shows no data)
    const options = current && !values.includes(current) ? [current, ...values] : values;
    return (
      <label className="field env-filter" title={title}>
        <span style={{ fontSize: 12, color: 'var(--muted)', fontWeight: 500 }}>{label}</span>
        <select value={current ?? ''} onChange={(e) => set(name, e.target.value)} data-testid={`filter-${name}`}>
          <option value="">{all}</option>
          {options.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
    );
  };
  return (
    <span className="toolbar" data-testid="env-filter">
      {environments.length || env ? select('env', 'Environment', 'all environments', environments, env, 'deployment.environment.name (or deployment.environment) of the resources') : null}
      {namespaces.length || namespace ? select('namespace', 'Namespace', 'all namespaces', namespaces, namespace, 'service.namespace (or k8s.namespace.name) of the resources') : null}
    </span>
  );
}
