// ExportTraceServiceResponse in both wire formats. partial_success (field 1) carries the spans
// rejected alone: ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }.
// With nothing rejected the message is empty (0 bytes / `{}`), as the OTLP spec allows.
import protobuf from 'protobufjs/minimal.js';

export type ResponseFormat = 'protobuf' | 'json';

export function encodeExportResponse(format: ResponseFormat, rejectedSpans: number, errorMessage = ''): Buffer {
  return format === 'json' ? encodeJsonResponse(rejectedSpans, errorMessage) : encodeProtoResponse(rejectedSpans, errorMessage);
}

export function encodeProtoResponse(rejectedSpans: number, errorMessage = ''): Buffer {
  if (rejectedSpans === 0 && errorMessage === '') return Buffer.alloc(0);
  const inner = protobuf.Writer.create();
  if (rejectedSpans !== 0) inner.uint32((1 << 3) | 0).int64(rejectedSpans);
  if (errorMessage !== '') inner.uint32((2 << 3) | 2).string(errorMessage);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).bytes(inner.finish());
  return Buffer.from(w.finish());
}

/** The OTLP/JSON mapping: lowerCamelCase names, int64 as a decimal string. */
export function encodeJsonResponse(rejectedSpans: number, errorMessage = ''): Buffer {
  if (rejectedSpans === 0 && errorMessage === '') return Buffer.from('{}');
  const partialSuccess: { rejectedSpans?: string; errorMessage?: string } = {};
  if (rejectedSpans !== 0) partialSuccess.rejectedSpans = String(rejectedSpans);
  if (errorMessage !== '') partialSuccess.errorMessage = errorMessage;
  return Buffer.from(JSON.stringify({ partialSuccess }));
}
