// `npm start [-- --demo [demo flags]]`: Eventscope on the embedded store, in one process.
import { exitOnStartError, stopOnSignals } from './cli.js';
import { ensureBuild, startEventscope } from './eventscope.js';

const args = process.argv.slice(2);
const dev = args.includes('--dev');
const demoAt = args.indexOf('--demo');
const demoArgs = demoAt >= 0 ? args.slice(demoAt + 1) : undefined;

try {
  if (!dev) ensureBuild();
  const es = await startEventscope({ dev, demoArgs });
  const s = es.config.store;
  console.log(`
Eventscope is running (${s.mode === 'embedded' ? `embedded store in ${s.dataDir}` : `ClickHouse server ${s.url}`})
  dashboard   ${es.uiUrl}
  OTLP/HTTP   ${es.otlpHttpUrl}/v1/traces
  OTLP/gRPC   ${es.otlpGrpcUrl.replace('http://', '')}
Point a service at it with:
  OTEL_EXPORTER_OTLP_ENDPOINT=${es.otlpHttpUrl}
${demoArgs ? 'The demo shop is sending traffic; open the dashboard.\n' : ''}Press Ctrl-C to stop.`);
  stopOnSignals(es);
} catch (err) {
  exitOnStartError(err);
}
