// Benchmark child processes: a Node process running one bench module with tsx, spoken to over
// IPC (request → reply by id), measured from outside through /proc.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Child {
  pid: number;
  proc: ChildProcess;
  /** the first message without an id (the child's 'ready') */
  ready: Promise<any>;
  request<T = unknown>(msg: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** asks the child to stop; kills it if it has not exited in time */
  stop(timeoutMs?: number): Promise<void>;
}

/** `execArgv`: extra Node flags for the child (e.g. --cpu-prof, which NODE_OPTIONS does not allow). */
export function startChild(file: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env, execArgv: string[] = []): Child {
  const proc = fork(path.resolve(import.meta.dirname, file), args, {
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let onReady!: (v: any) => void;
  let onReadyFail!: (e: Error) => void;
  const ready = new Promise<any>((resolve, reject) => {
    onReady = resolve;
    onReadyFail = reject;
  });
  proc.on('message', (m: any) => {
    if (m && typeof m.id === 'number') {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(`${file}: ${m.error}`));
    } else onReady(m);
  });
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      const err = new Error(`${file} exited (code ${code}, signal ${signal})`);
      onReadyFail(err);
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
      resolve();
    }),
  );
  return {
    pid: proc.pid!,
    proc,
    ready,
    request(msg, timeoutMs = 600_000) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${file}: no answer to ${String(msg.type)} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        proc.send({ ...msg, id });
      });
    },
    async stop(timeoutMs = 30_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const killer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      try {
        if (proc.connected) await this.request({ type: 'stop' }, timeoutMs).catch(() => {});
        await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/** CPU seconds (user + system, all threads) of a process so far, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name "(...)": state is field 3, utime 14, stime 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

// sysconf(_SC_CLK_TCK); 100 on every Linux we run on
const CLOCK_TICKS = 100;

/** Current and peak resident set size in bytes, from /proc/<pid>/status (VmRSS, VmHWM). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * The end of a bench child module: runs `main`, exits 0 when it resolves, 1 (after printing the
 * error) when it throws, and at once when the parent goes away.
 */
export function runAsChild(main: () => Promise<unknown>): void {
  process.on('disconnect', () => process.exit(0));
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
