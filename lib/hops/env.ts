// Environment and namespace of a span, from its resource (issue 12): the hop model carries them as
// dimensions so `env=` / `namespace=` select exactly, even where the same service names run in
// several environments. The collector reads them once per resource (collector/otlp/decode.ts) and
// writes them on every span (spans.env / namespace), whence the narrow tables copy them.

/** `deployment.environment.name` (semconv ≥ 1.27), else the older `deployment.environment`. */
export const ENV_ATTRIBUTES = ['deployment.environment.name', 'deployment.environment'] as const;
/** `service.namespace`, else the Kubernetes namespace. */
export const NAMESPACE_ATTRIBUTES = ['service.namespace', 'k8s.namespace.name'] as const;

const firstOf = (attrs: readonly string[], map: string) =>
  `multiIf(${attrs.map((a) => `${map}['${a}'] != '', ${map}['${a}']`).join(', ')}, '')`;

/** SQL for a resources row's environment / namespace (`resource_attributes` in scope). */
export const RESOURCE_ENV_SQL = firstOf(ENV_ATTRIBUTES, 'resource_attributes');
export const RESOURCE_NAMESPACE_SQL = firstOf(NAMESPACE_ATTRIBUTES, 'resource_attributes');

/** What a view is restricted to: exact values, absent = every environment / namespace. */
export interface EnvFilter {
  env?: string;
  namespace?: string;
}

/**
 * SQL conditions (with a leading AND) on the given env / namespace columns, bound to the
 * parameters {env:String} and {namespace:String} (see envParams).
 */
export function envWhere(f: EnvFilter | undefined, envColumn = 'env', namespaceColumn = 'namespace'): string {
  return `${f?.env !== undefined ? ` AND ${envColumn} = {env:String}` : ''}${f?.namespace !== undefined ? ` AND ${namespaceColumn} = {namespace:String}` : ''}`;
}

export function envParams(f: EnvFilter | undefined): { env: string; namespace: string } {
  return { env: f?.env ?? '', namespace: f?.namespace ?? '' };
}
