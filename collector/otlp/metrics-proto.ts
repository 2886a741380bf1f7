// OTLP/protobuf ExportMetricsServiceRequest → broker_metrics rows, straight off the wire with
// protobufjs's Reader (field numbers of opentelemetry/proto/{collector/metrics,metrics,common,
// resource}/v1), like the traces decoder (proto.ts): sub-messages are bounded by narrowing
// `reader.len`, so a lying length prefix throws, and that becomes a DecodeError (→ 400).
// Only the points of broker metrics (metrics-decode.ts) are decoded; other metrics are skipped
// after counting their points.
import protobuf from 'protobufjs/minimal.js';
import { formatDouble } from '../../lib/store/anyvalue.js';
import { DecodeError, i64ToDecimal, u64ToDecimal, type DecodeLimits } from './decode.js';
import { decodingErrors, enter, F, skipField, type Reader } from './wire.js';
import { MetricBatchBuilder, TEMPORALITIES, type DecodedMetrics, type MetricHeader, type MetricResource, type PointInput } from './metrics-decode.js';

const REQUEST_FIELDS = F(1);
const RESOURCE_METRICS_FIELDS = F(1, 2, 3);
const RESOURCE_FIELDS = F(1);
const SCOPE_METRICS_FIELDS = F(1, 2, 3);
const METRIC_FIELDS = F(1, 2, 3, 5, 7, 9, 10, 11, 12);
const SUM_FIELDS = F(1, 2, 3);
const POINT_FIELDS = F(2, 3, 4, 5, 6, 7, 8);
const KEY_VALUE_FIELDS = F(1, 2);
const ANY_VALUE_FIELDS = F(1, 2, 3, 4, 5, 6, 7);

/** Metric.data oneof: field number → kind */
const DATA_KINDS: Record<number, string> = { 5: 'gauge', 7: 'sum', 9: 'histogram', 10: 'exponential_histogram', 11: 'summary' };

/** Decodes an ExportMetricsServiceRequest; throws DecodeError when the body is not one. */
export function decodeProtoMetrics(input: Uint8Array, limits?: DecodeLimits): DecodedMetrics {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const r = protobuf.Reader.create(buf);
  const batch = new MetricBatchBuilder(buf.length, limits);
  decodingErrors(r, buf.length, () => {
    let i = 0;
    while (r.pos < r.len) {
      const tag = r.tag();
      if (tag === 10) {
        const outer = r.len;
        r.len = enter(r);
        decodeResourceMetrics(r, batch, `resource_metrics[${i++}]`);
        r.len = outer;
      } else skipField(r, tag, REQUEST_FIELDS, 'ExportMetricsServiceRequest');
    }
  });
  return batch.result();
}

function readString(r: Reader): string {
  const end = enter(r);
  const s = (r.buf as Buffer).toString('utf8', r.pos, end);
  r.pos = end;
  return s;
}

/** A fixed64 / sfixed64 field as its two 32-bit halves. */
function readHalves(r: Reader): [number, number] {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return [lo, hi];
}

/** A varint of up to 64 bits as its two 32-bit halves (exact, unlike a double). */
function readVarintHalves(r: Reader): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.len) throw new RangeError(`index out of range: varint runs past ${r.len}`);
    const b = r.buf[r.pos++]!;
    if (i < 4) lo |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >> 4;
    } else hi |= (b & 0x7f) << (7 * i - 32);
    if (b < 0x80) return [lo >>> 0, hi >>> 0];
  }
  throw new DecodeError(`invalid protobuf at byte ${r.pos}: varint longer than 10 bytes`);
}

function decodeResourceMetrics(r: Reader, batch: MetricBatchBuilder, path: string): void {
  // the resource may follow its scope_metrics on the wire: read it first
  const start = r.pos;
  const resource: MetricResource = { attributes: {} };
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) {
      const outer = r.len;
      r.len = enter(r);
      while (r.pos < r.len) {
        const t = r.tag();
        if (t === 10) readKeyValue(r, resource.attributes);
        else skipField(r, t, RESOURCE_FIELDS, 'Resource');
      }
      r.len = outer;
    } else if (tag === 18 || tag === 26) r.pos = enter(r);
    else skipField(r, tag, RESOURCE_METRICS_FIELDS, 'ResourceMetrics');
  }
  r.pos = start;
  let s = 0;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 18) {
      const outer = r.len;
      r.len = enter(r);
      decodeScopeMetrics(r, batch, resource, `${path}.scope_metrics[${s++}]`);
      r.len = outer;
    } else r.skipType(tag & 7); // validated above
  }
}

function decodeScopeMetrics(r: Reader, batch: MetricBatchBuilder, resource: MetricResource, path: string): void {
  let m = 0;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 18) {
      const outer = r.len;
      r.len = enter(r);
      decodeMetric(r, batch, resource, `${path}.metrics[${m++}]`);
      r.len = outer;
    } else if (tag === 10 || tag === 26) r.pos = enter(r); // the scope and schema_url are not stored
    else skipField(r, tag, SCOPE_METRICS_FIELDS, 'ScopeMetrics');
  }
}

function decodeMetric(r: Reader, batch: MetricBatchBuilder, resource: MetricResource, path: string): void {
  // name and unit may follow the data on the wire: read the header, remember where the data is
  const header: MetricHeader = { name: '', unit: '', kind: '', temporality: 'unspecified', monotonic: false };
  let dataStart = -1;
  let dataEnd = -1;
  while (r.pos < r.len) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (tag === 10) header.name = readString(r);
    else if (tag === 26) header.unit = readString(r);
    else if (tag === 18 || tag === 98) r.pos = enter(r); // description, metadata
    else if ((tag & 7) === 2 && DATA_KINDS[field] !== undefined) {
      // oneof: the last one wins
      dataEnd = enter(r);
      dataStart = r.pos;
      header.kind = DATA_KINDS[field]!;
      r.pos = dataEnd;
    } else skipField(r, tag, METRIC_FIELDS, 'Metric');
  }
  const end = r.pos;
  if (dataStart < 0) {
    batch.ignore(header, 0);
    return;
  }
  const outer = r.len;
  r.pos = dataStart;
  r.len = dataEnd;
  // every data kind has its points in field 1; a Sum has temporality (2) and monotonicity (3) too
  const points: number[] = [];
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) {
      points.push(r.pos);
      r.pos = enter(r);
    } else if (header.kind === 'sum' && tag === 16) header.temporality = TEMPORALITIES[r.int32()] ?? 'unspecified';
    else if (header.kind === 'sum' && tag === 24) header.monotonic = r.bool();
    else if (header.kind === 'sum' || header.kind === 'gauge') skipField(r, tag, header.kind === 'sum' ? SUM_FIELDS : F(1), header.kind === 'sum' ? 'Sum' : 'Gauge');
    else r.skipType(tag & 7);
  }
  if (batch.wants(header, points.length)) {
    for (let i = 0; i < points.length; i++) {
      r.pos = points[i]!;
      r.len = dataEnd;
      const pointEnd = enter(r);
      r.len = pointEnd;
      const p = decodePoint(r);
      batch.point(resource, header, p, `${path}.data_points[${i}]`);
    }
  }
  r.len = outer;
  r.pos = end;
}

function decodePoint(r: Reader): PointInput {
  const p: PointInput = { attributes: {}, startNs: '0', timeNs: '0', flags: 0 };
  while (r.pos < r.len) {
    const tag = r.tag();
    switch (tag) {
      case 17: { // 2 start_time_unix_nano
        const [lo, hi] = readHalves(r);
        p.startNs = u64ToDecimal(lo, hi);
        break;
      }
      case 25: { // 3 time_unix_nano
        const [lo, hi] = readHalves(r);
        p.timeNs = u64ToDecimal(lo, hi);
        break;
      }
      case 33: // 4 as_double
        p.value = { double: r.double() };
        break;
      case 49: { // 6 as_int
        const [lo, hi] = readHalves(r);
        p.value = { int: i64ToDecimal(lo, hi) };
        break;
      }
      case 58: // 7 attributes
        readKeyValue(r, p.attributes);
        break;
      case 64: // 8 flags
        p.flags = r.uint32();
        break;
      case 42: // 5 exemplars: not stored
        r.pos = enter(r);
        break;
      default:
        skipField(r, tag, POINT_FIELDS, 'NumberDataPoint');
    }
  }
  return p;
}

/**
 * One KeyValue into `map` as text: strings as they are, ints exact, bools and doubles as JSON
 * would write them. Arrays, kvlists and bytes name nothing a broker metric is identified by and
 * are left out (the KeyValue is still checked).
 */
function readKeyValue(r: Reader, map: Record<string, string>): void {
  const outer = r.len;
  r.len = enter(r);
  let key = '';
  let value: string | undefined;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) key = readString(r);
    else if (tag === 18) {
      const o = r.len;
      r.len = enter(r);
      value = undefined;
      while (r.pos < r.len) {
        const t = r.tag();
        if (t === 10) value = readString(r);
        else if (t === 16) value = r.bool() ? 'true' : 'false';
        else if (t === 24) {
          const [lo, hi] = readVarintHalves(r);
          value = i64ToDecimal(lo, hi);
        } else if (t === 33) value = formatDouble(r.double());
        else if (t === 42 || t === 50 || t === 58) {
          r.pos = enter(r);
          value = undefined;
        } else skipField(r, t, ANY_VALUE_FIELDS, 'AnyValue');
      }
      r.len = o;
    } else skipField(r, tag, KEY_VALUE_FIELDS, 'KeyValue');
  }
  r.len = outer;
  if (value !== undefined) map[key] = value;
}
