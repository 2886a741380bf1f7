// Decode alone: decodeProtoTraces on one pre-encoded request of the workload, in a loop on one
// thread. Throughput per CPU-second is the figure (the machine is shared); wall is shown too.
import { decodeProtoTraces } from '../collector/otlp/proto.js';

export interface DecodeResult {
  requestBytes: number;
  spans: number;
  iterations: number;
  cpuS: number;
  wallS: number;
  mbPerCpuSecond: number;
  spansPerCpuSecond: number;
  mbPerWallSecond: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

export function measureDecode(body: Buffer, seconds: number): DecodeResult {
  const spans = decodeProtoTraces(body).rows.length;
  for (let i = 0; i < 50; i++) decodeProtoTraces(body); // warm-up: let V8 optimize the decoder
  let iterations = 0;
  const c0 = cpuNow();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 10; i++) decodeProtoTraces(body);
    iterations += 10;
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = cpuNow() - c0;
  const mb = (body.length * iterations) / 1e6;
  return {
    requestBytes: body.length,
    spans,
    iterations,
    cpuS,
    wallS,
    mbPerCpuSecond: mb / cpuS,
    spansPerCpuSecond: (spans * iterations) / cpuS,
    mbPerWallSecond: mb / wallS,
  };
}
