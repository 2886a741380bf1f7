// `npm run collector`: the collector alone (no dashboard). Stateless in server mode, so many
// replicas can run behind a load balancer; in embedded mode it owns the data folder.
import { environmentHelp, parseFlags, UsageError } from '../lib/config/help.js';
import { exitOnStartError, stopOnSignals } from './cli.js';
import { startEventscope } from './eventscope.js';

const HELP = `Usage: npm run collector [-- --help]

Runs the OTLP collector alone (no dashboard): receives spans, writes them to the store and pairs
hops. In server mode (CLICKHOUSE_URL) it is stateless: run as many as you need.

Options:
  --help, -h   print this help and exit

Environment variables (shared with npm start; the dashboard's have no effect here):
${environmentHelp()}
`;

let flags: Set<string>;
try {
  flags = parseFlags(process.argv.slice(2), ['--help']).flags;
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`npm run collector: ${err.message}`);
  process.exit(2);
}
if (flags.has('--help')) {
  process.stdout.write(HELP);
  process.exit(0);
}

try {
  const es = await startEventscope({ ui: false });
  console.log(
    `Eventscope collector: OTLP/HTTP ${es.otlpHttpUrl}/v1/traces, OTLP/gRPC ${es.otlpGrpcUrl.replace(/^https?:\/\//, '')}${es.metricsUrl ? `, metrics ${es.metricsUrl}` : ''}`,
  );
  stopOnSignals(es);
} catch (err) {
  exitOnStartError(err);
}
