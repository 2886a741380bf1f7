// `npm run collector`: the collector alone (no dashboard). Stateless in server mode, so many
// replicas can run behind a load balancer; in embedded mode it owns the data folder.
import { ConfigError } from '../lib/config/index.js';
import { DataDirInUseError } from '../lib/store/lock.js';
import { UnsupportedVersionError } from '../lib/store/version.js';
import { StoreUnreachableError } from '../lib/store/index.js';
import { startEventscope } from './eventscope.js';

try {
  const es = await startEventscope({ ui: false });
  console.log(`Eventscope collector: OTLP/HTTP ${es.otlpHttpUrl}/v1/traces, OTLP/gRPC ${es.otlpGrpcUrl.replace('http://', '')}`);
  const shutdown = () => void es.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (err) {
  if (err instanceof DataDirInUseError || err instanceof ConfigError || err instanceof UnsupportedVersionError || err instanceof StoreUnreachableError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
