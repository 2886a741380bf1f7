// What the command-line entry points (start, collector) share: clean shutdown on signals, and
// start-up failures a user can fix reported as one sentence instead of a stack trace.
import { ConfigError } from '../lib/config/index.js';
import { DataDirInUseError } from '../lib/store/lock.js';
import { UnsupportedVersionError } from '../lib/store/version.js';
import { StoreUnreachableError } from '../lib/store/index.js';
import { SchemaGenerationError } from '../lib/store/schema.js';
import type { Eventscope } from './eventscope.js';

/** Ctrl-C / SIGTERM: commit what was accepted, close the store, exit. */
export function stopOnSignals(es: Eventscope): void {
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
}

/** Exits 2 with the message for failures the user can fix; rethrows anything else. */
export function exitOnStartError(err: unknown): never {
  const known =
    err instanceof DataDirInUseError ||
    err instanceof ConfigError ||
    err instanceof UnsupportedVersionError ||
    err instanceof StoreUnreachableError ||
    err instanceof SchemaGenerationError ||
    (err as Error)?.name === 'DemoArgsError';
  if (known) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE') {
    console.error(`A port Eventscope needs is already taken (${e.address}:${e.port}); set PORT, EVENTSCOPE_OTLP_HTTP_PORT or EVENTSCOPE_OTLP_GRPC_PORT.`);
    process.exit(2);
  }
  throw err;
}
