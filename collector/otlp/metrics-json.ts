// OTLP/JSON ExportMetricsServiceRequest → broker_metrics rows (the OTLP/JSON mapping: lowerCamelCase
// keys, snake_case accepted, int64 as strings or numbers, enums as ints or names, unknown fields
// ignored). Produces the rows the protobuf decoder produces; a wrong type is a DecodeError naming
// its path (→ 400).
import { formatDouble } from '../../lib/store/anyvalue.js';
import { DecodeError, type DecodeLimits } from './decode.js';
import { double, enumName, get, i64, isObject, list, object, optionalObject, str, u64, uint32, type Obj } from './json.js';
import { MetricBatchBuilder, TEMPORALITIES, type DecodedMetrics, type MetricHeader, type MetricResource, type PointInput, type Temporality } from './metrics-decode.js';

const DATA_KINDS: ReadonlyArray<[camel: string, snake: string, kind: string]> = [
  ['gauge', 'gauge', 'gauge'],
  ['sum', 'sum', 'sum'],
  ['histogram', 'histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram', 'exponential_histogram'],
  ['summary', 'summary', 'summary'],
];

const TEMPORALITY_NAMES = TEMPORALITIES.map((t) => t.toUpperCase());

/** Decodes an OTLP/JSON metrics body; throws DecodeError when it is not valid JSON or not a request. */
export function decodeJsonMetrics(body: string | Uint8Array, limits?: DecodeLimits): DecodedMetrics {
  const buf = typeof body === 'string' ? Buffer.from(body) : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let doc: unknown;
  try {
    doc = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new DecodeError('the body must be a JSON object (ExportMetricsServiceRequest)');
  const batch = new MetricBatchBuilder(buf.length, limits);
  const resourceMetrics = list(doc, 'resourceMetrics', 'resource_metrics', '');
  for (let i = 0; i < resourceMetrics.length; i++) {
    const path = `resourceMetrics[${i}]`;
    const rm = object(resourceMetrics[i], path);
    const res = optionalObject(rm.resource, `${path}.resource`);
    const resource: MetricResource = { attributes: res ? attributes(res, `${path}.resource`) : {} };
    const scopeMetrics = list(rm, 'scopeMetrics', 'scope_metrics', path);
    for (let j = 0; j < scopeMetrics.length; j++) {
      const sp = `${path}.scopeMetrics[${j}]`;
      const metrics = list(object(scopeMetrics[j], sp), 'metrics', 'metrics', sp);
      for (let k = 0; k < metrics.length; k++) decodeMetric(object(metrics[k], `${sp}.metrics[${k}]`), `${sp}.metrics[${k}]`, resource, batch);
    }
  }
  return batch.result();
}

function decodeMetric(m: Obj, path: string, resource: MetricResource, batch: MetricBatchBuilder): void {
  const header: MetricHeader = { name: str(m.name, `${path}.name`), unit: str(m.unit, `${path}.unit`), kind: '', temporality: 'unspecified', monotonic: false };
  let data: Obj | undefined;
  let dataPath = '';
  for (const [camel, snake, kind] of DATA_KINDS) {
    const v = get(m, camel, snake);
    if (v === undefined || v === null) continue;
    dataPath = `${path}.${camel}`;
    data = object(v, dataPath);
    header.kind = kind;
  }
  if (!data) {
    batch.ignore(header, 0);
    return;
  }
  const points = list(data, 'dataPoints', 'data_points', dataPath);
  if (header.kind === 'sum') {
    header.temporality = enumName(
      get(data, 'aggregationTemporality', 'aggregation_temporality'),
      TEMPORALITY_NAMES,
      'AGGREGATION_TEMPORALITY_',
      `${dataPath}.aggregationTemporality`,
    ).toLowerCase() as Temporality;
    const mono = get(data, 'isMonotonic', 'is_monotonic');
    if (mono !== undefined && mono !== null && typeof mono !== 'boolean') throw new DecodeError(`${dataPath}.isMonotonic must be true or false`);
    header.monotonic = mono === true;
  }
  if (!batch.wants(header, points.length)) return;
  for (let i = 0; i < points.length; i++) {
    const pp = `${dataPath}.dataPoints[${i}]`;
    batch.point(resource, header, decodePoint(object(points[i], pp), pp), pp);
  }
}

function decodePoint(o: Obj, path: string): PointInput {
  const p: PointInput = {
    attributes: attributes(o, path),
    startNs: u64(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
    timeNs: u64(get(o, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    flags: uint32(o.flags, `${path}.flags`),
  };
  // oneof value: as_double (field 4) before as_int (field 6), as the JSON mapping allows one
  const d = get(o, 'asDouble', 'as_double');
  const n = get(o, 'asInt', 'as_int');
  if (d !== undefined && d !== null) {
    const v = double(d, `${path}.asDouble`);
    p.value = { double: typeof v === 'number' ? v : Number(v) };
  } else if (n !== undefined && n !== null) {
    p.value = { int: i64(n, `${path}.asInt`) };
  }
  return p;
}

/** A holder's `attributes` as text values (strings as they are, ints exact); arrays, kvlists and bytes are left out. */
function attributes(holder: Obj, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const kvs = list(holder, 'attributes', 'attributes', path);
  for (let i = 0; i < kvs.length; i++) {
    const p = `${path}.attributes[${i}]`;
    const kv = object(kvs[i], p);
    const key = str(kv.key, `${p}.key`);
    const v = optionalObject(kv.value, `${p}.value`);
    if (!v) continue;
    let x: unknown;
    if ((x = get(v, 'stringValue', 'string_value')) != null) out[key] = str(x, `${p}.value.stringValue`);
    else if ((x = get(v, 'boolValue', 'bool_value')) != null) {
      if (typeof x !== 'boolean') throw new DecodeError(`${p}.value.boolValue must be true or false`);
      out[key] = x ? 'true' : 'false';
    } else if ((x = get(v, 'intValue', 'int_value')) != null) out[key] = i64(x, `${p}.value.intValue`);
    else if ((x = get(v, 'doubleValue', 'double_value')) != null) {
      const dv = double(x, `${p}.value.doubleValue`);
      out[key] = typeof dv === 'number' ? formatDouble(dv) : dv;
    }
  }
  return out;
}
