import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { encodeExportResponse } from '../../collector/otlp/response.js';

/** Reads ExportTraceServiceResponse { 1: ExportTracePartialSuccess { 1: int64, 2: string } } by hand. */
function readResponse(buf: Uint8Array): { rejectedSpans?: string; errorMessage?: string } | undefined {
  const r = protobuf.Reader.create(buf);
  let partial: { rejectedSpans?: string; errorMessage?: string } | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    assert.equal(tag, (1 << 3) | 2, 'only partial_success is expected');
    const end = r.uint32() + r.pos;
    partial = {};
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 8) partial.rejectedSpans = r.int64().toString();
      else if (t === 18) partial.errorMessage = r.string();
      else assert.fail(`unexpected tag ${t}`);
    }
  }
  return partial;
}

test('nothing rejected: an empty response in both formats', () => {
  assert.equal(encodeExportResponse('protobuf', 0, '').length, 0);
  assert.equal(readResponse(encodeExportResponse('protobuf', 0)), undefined);
  assert.deepEqual(JSON.parse(encodeExportResponse('json', 0, '').toString()), {});
});

test('partial success carries the rejected count and the reasons', () => {
  const msg = 'span "x": trace_id is all zeros; ünïcode';
  assert.deepEqual(readResponse(encodeExportResponse('protobuf', 3, msg)), { rejectedSpans: '3', errorMessage: msg });
  assert.deepEqual(JSON.parse(encodeExportResponse('json', 3, msg).toString()), {
    partialSuccess: { rejectedSpans: '3', errorMessage: msg },
  });
  // a warning without rejections is still reported
  assert.deepEqual(readResponse(encodeExportResponse('protobuf', 0, 'warn')), { errorMessage: 'warn' });
  assert.deepEqual(JSON.parse(encodeExportResponse('json', 0, 'warn').toString()), { partialSuccess: { errorMessage: 'warn' } });
  // large counts stay exact
  assert.deepEqual(readResponse(encodeExportResponse('protobuf', 2 ** 40)), { rejectedSpans: String(2 ** 40) });
});
