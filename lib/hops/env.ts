// Environment and namespace of a span, from its resource (issue 12): the hop model carries them as
// dimensions so `env=` / `namespace=` select exactly, even where the same service names run in
// several environments. A span's resource is found through `span_resources` (migration 011: span
// key → resource key, for messaging and call spans) and `resources`.

/** `deployment.environment.name` (semconv ≥ 1.27), else the older `deployment.environment`. */
export const ENV_ATTRIBUTES = ['deployment.environment.name', 'deployment.environment'] as const;
/** `service.namespace`, else the Kubernetes namespace. */
export const NAMESPACE_ATTRIBUTES = ['service.namespace', 'k8s.namespace.name'] as const;

const firstOf = (attrs: readonly string[], map: string) =>
  `multiIf(${attrs.map((a) => `${map}['${a}'] != '', ${map}['${a}']`).join(', ')}, '')`;

/** SQL for a resources row's environment / namespace (`resource_attributes` in scope). */
export const RESOURCE_ENV_SQL = firstOf(ENV_ATTRIBUTES, 'resource_attributes');
export const RESOURCE_NAMESPACE_SQL = firstOf(NAMESPACE_ATTRIBUTES, 'resource_attributes');

/**
 * A subquery (span_key, env, namespace) for the spans whose keys `keys` (a SQL subquery or array
 * parameter) selects; a span without a stored resource row is absent (callers read '' then).
 */
export function spanEnvSql(db: string, keys: string): string {
  return `
    SELECT sr.span_key AS span_key, r.env AS env, r.namespace AS namespace
      FROM (SELECT span_key, resource_key FROM ${db}.span_resources WHERE span_key IN (${keys}) LIMIT 1 BY span_key) AS sr
      LEFT ANY JOIN (
        SELECT resource_key, ${RESOURCE_ENV_SQL} AS env, ${RESOURCE_NAMESPACE_SQL} AS namespace
          FROM ${db}.resources
         WHERE resource_key IN (SELECT resource_key FROM ${db}.span_resources WHERE span_key IN (${keys}))
         LIMIT 1 BY resource_key
      ) AS r ON r.resource_key = sr.resource_key`;
}

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

/**
 * SQL condition (leading AND) restricting a spans/call_spans-like table to spans of resources in
 * the environment / namespace: `resource_key IN (…)` over the small `resources` table.
 */
export function resourceKeyWhere(db: string, f: EnvFilter | undefined, column = 'resource_key'): string {
  if (f?.env === undefined && f?.namespace === undefined) return '';
  return ` AND ${column} IN (SELECT resource_key FROM ${db}.resources WHERE 1 ${envWhere(f, RESOURCE_ENV_SQL, RESOURCE_NAMESPACE_SQL)})`;
}
