// `npm start [-- --demo [demo flags]]`: Eventscope on the embedded store, in one process.
import { environmentHelp, parseFlags, UsageError } from '../lib/config/help.js';
import { exitOnStartError, stopOnSignals } from './cli.js';
import { ensureBuild, startEventscope } from './eventscope.js';
import { loadConfig } from '../lib/config/index.js';
import { loadProfileSet } from '../collector/profiles/loader.js';

const HELP = `Usage: npm start -- [--dev] [--demo [demo flags]]

Runs Eventscope in one process: the store (embedded chDB unless CLICKHOUSE_URL is set), the OTLP
collector and the dashboard with the JSON API.

Options:
  --help, -h   print this help and exit
  --dev        Next.js in development mode (hot reload, no build)
  --demo       also start the demo shop sending traffic; every flag after --demo is the demo's
               (npm run demo -- --help lists them)

Environment variables:
${environmentHelp()}
`;

let parsed: ReturnType<typeof parseFlags>;
try {
  parsed = parseFlags(process.argv.slice(2), ['--help', '--dev'], ['--demo']);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`npm start: ${err.message}`);
  process.exit(2);
}
if (parsed.flags.has('--help')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const dev = parsed.flags.has('--dev');
const demoArgs = parsed.restOf?.args;
// the demo shop's business key (issue 13), unless the user named their own
if (demoArgs && process.env.EVENTSCOPE_BUSINESS_KEYS === undefined) process.env.EVENTSCOPE_BUSINESS_KEYS = 'order.id';

try {
  // configuration and the mapping file first: a mistake there should not wait for a dashboard build
  loadProfileSet(loadConfig().mappingsFile);
  if (!dev) ensureBuild();
  const es = await startEventscope({ dev, demoArgs });
  const s = es.config.store;
  console.log(`
Eventscope is running (${s.mode === 'embedded' ? `embedded store in ${s.dataDir}` : `ClickHouse server ${s.url}`})
  dashboard   ${es.uiUrl}
  OTLP/HTTP   ${es.otlpHttpUrl}/v1/traces
  OTLP/gRPC   ${es.otlpGrpcUrl.replace(/^https?:\/\//, '')}
${es.metricsUrl ? `  metrics     ${es.metricsUrl}\n` : ''}Point a service at it with:
  OTEL_EXPORTER_OTLP_ENDPOINT=${es.otlpHttpUrl}
${demoArgs ? 'The demo shop is sending traffic; open the dashboard.\n' : ''}Press Ctrl-C to stop.`);
  stopOnSignals(es);
} catch (err) {
  exitOnStartError(err);
}
