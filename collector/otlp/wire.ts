// Protobuf wire primitives both OTLP decoders share (traces: proto.ts, metrics: metrics-proto.ts),
// on protobufjs's Reader. Sub-messages are bounded by narrowing `reader.len`, so a lying length
// prefix throws; a known field with the wrong wire type is an error; and whatever the Reader throws
// on a broken body becomes a DecodeError with its byte position (→ 400).
import type protobuf from 'protobufjs/minimal.js';
import { DecodeError } from './decode.js';

export type Reader = protobuf.Reader;

/**
 * Bit mask of the field numbers a message decodes. Tags are (field number << 3) | wire type;
 * wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 */
export const F = (...fields: number[]) => fields.reduce((m, f) => m | (1 << f), 0);

/** Reads a length prefix and returns the end of the sub-message, checked against the enclosing one. */
export function enter(r: Reader): number {
  const len = r.size();
  const end = r.pos + len;
  if (end > r.len) {
    throw new DecodeError(`invalid protobuf at byte ${r.pos}: length ${len} runs past the end of its enclosing message (${r.len - r.pos} bytes left)`);
  }
  return end;
}

/** Skips a field the message does not decode; a decoded field with another wire type is an error. */
export function skipField(r: Reader, tag: number, known: number, message: string): void {
  const field = tag >>> 3;
  if (field === 0) throw new DecodeError(`invalid protobuf at byte ${r.pos}: field number 0 in ${message}`);
  if (field < 32 && (known >>> field) & 1) {
    throw new DecodeError(`invalid protobuf at byte ${r.pos}: ${message} field ${field} has wire type ${tag & 7}`);
  }
  r.skipType(tag & 7, 0, field);
}

/** Runs a decode over `r`, turning the Reader's own errors (truncation, bad wire type) into DecodeErrors. */
export function decodingErrors<T>(r: Reader, size: number, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    if (err instanceof RangeError || (err instanceof Error && err.constructor === Error)) {
      const why = err instanceof RangeError ? `truncated message (${err.message})` : (err as Error).message;
      throw new DecodeError(`invalid protobuf at byte ${r.pos} of ${size}: ${why}`);
    }
    throw err;
  }
}
