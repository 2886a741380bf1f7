// `npm run demo -- [flags]`: the demo shop against a running Eventscope (default http://127.0.0.1:4318).
// Stops cleanly on SIGINT/SIGTERM (or after --duration), flushing every exporter first.
import { DemoArgsError, demoUsage, parseDemoArgs, startDemo } from './index.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(demoUsage());
    return;
  }
  let opts;
  try {
    opts = parseDemoArgs(argv);
  } catch (err) {
    if (err instanceof DemoArgsError) {
      console.error(`${err.message}\n\n${demoUsage()}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }

  const demo = await startDemo(opts);
  const why = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (opts.durationS > 0) setTimeout(() => resolve(`${opts.durationS}s elapsed`), opts.durationS * 1000);
  });
  // a second signal while flushing means "now"
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  console.log(`demo: ${why}, stopping (flushing spans)…`);
  await demo.stop();
  console.log(`demo: stopped after ${demo.stats.ordersPlaced} orders`);
}

main().catch((err) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
