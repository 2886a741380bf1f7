// `npm run collector`: the collector alone (no dashboard). Stateless in server mode, so many
// replicas can run behind a load balancer; in embedded mode it owns the data folder.
import { exitOnStartError, stopOnSignals } from './cli.js';
import { startEventscope } from './eventscope.js';

try {
  const es = await startEventscope({ ui: false });
  console.log(`Eventscope collector: OTLP/HTTP ${es.otlpHttpUrl}/v1/traces, OTLP/gRPC ${es.otlpGrpcUrl.replace('http://', '')}`);
  stopOnSignals(es);
} catch (err) {
  exitOnStartError(err);
}
