// `npm start [-- --demo [demo flags]]`: Eventscope on the embedded store, in one process.
import { ConfigError } from '../lib/config/index.js';
import { DataDirInUseError } from '../lib/store/lock.js';
import { UnsupportedVersionError } from '../lib/store/version.js';
import { StoreUnreachableError } from '../lib/store/index.js';
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
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: flushing and closing the store…`);
    es.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (err) {
  if (err instanceof DataDirInUseError || err instanceof ConfigError || err instanceof UnsupportedVersionError || err instanceof StoreUnreachableError || (err as Error)?.name === 'DemoArgsError') {
    console.error((err as Error).message);
    process.exit(2);
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') {
    console.error(`A port Eventscope needs is already taken (${(e as { address?: string; port?: number }).address}:${(e as { port?: number }).port}); set PORT, EVENTSCOPE_OTLP_HTTP_PORT or EVENTSCOPE_OTLP_GRPC_PORT.`);
    process.exit(2);
  }
  throw err;
}
