// Decode alone: decodeProtoTraces on one pre-encoded request of the workload, in a loop on one
// thread. Throughput per CPU-second is the figure (the machine is shared); wall is shown too.
import { decodeProtoTraces } from '../collector/otlp/proto.js';

export interface DecodeResult {
  requestBytes: number;
  spans: number;
  iterations: number;
  cpuS: number;
  wallS: number;
  /** median over the one-second rounds (the figure reported); min and max show the spread */
  mbPerCpuSecond: number;
  mbPerCpuSecondMin: number;
  mbPerCpuSecondMax: number;
  rounds: number;
  spansPerCpuSecond: number;
  mbPerWallSecond: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** `seconds` one-second rounds; the median round is reported, so a burst of other load on the shared machine does not decide the figure. */
export function measureDecode(body: Buffer, seconds: number): DecodeResult {
  const spans = decodeProtoTraces(body).rows.length;
  for (let i = 0; i < 50; i++) decodeProtoTraces(body); // warm-up: let V8 optimize the decoder
  const rates: number[] = [];
  let iterations = 0;
  let cpuS = 0;
  let wallS = 0;
  for (let round = 0; round < Math.max(1, seconds); round++) {
    let n = 0;
    const c0 = cpuNow();
    const t0 = performance.now();
    while (performance.now() - t0 < 1000) {
      for (let i = 0; i < 10; i++) decodeProtoTraces(body);
      n += 10;
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuNow() - c0;
    rates.push((body.length * n) / 1e6 / cpu);
    iterations += n;
    cpuS += cpu;
    wallS += wall;
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  return {
    requestBytes: body.length,
    spans,
    iterations,
    cpuS,
    wallS,
    mbPerCpuSecond: median,
    mbPerCpuSecondMin: rates[0]!,
    mbPerCpuSecondMax: rates.at(-1)!,
    rounds: rates.length,
    spansPerCpuSecond: (median * 1e6) / (body.length / spans),
    mbPerWallSecond: (body.length * iterations) / 1e6 / wallS,
  };
}
