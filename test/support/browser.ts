// The browser for the UI tests: Chromium driven by playwright-core. Which binary: $CHROMIUM_PATH
// when set, Debian's /usr/bin/chromium when installed, otherwise the one the @sparticuz/chromium
// npm package ships (a brotli-packed headless shell, unpacked to the temp folder on first use), so
// `npm ci && npm test` needs nothing installed by hand.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

// Test files run two at a time: on a fresh machine both would unpack the packaged binary to the
// same path at once, and one would start it while the other still writes it (spawn ETXTBSY). The
// unpack takes turns through a lock folder (mkdir is atomic); a stale lock (a killed run) expires.
const LOCK = path.join(os.tmpdir(), 'eventscope-chromium-unpack.lock');
const STALE_LOCK_MS = 120_000;

async function withUnpackLock<T>(f: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      try {
        if (Date.now() - fs.statSync(LOCK).mtimeMs > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // gone meanwhile: try again
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await f();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (fs.existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  const { default: packaged } = await import('@sparticuz/chromium');
  return withUnpackLock(() => packaged.executablePath());
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromiumPath();
  for (let attempt = 1; ; attempt++) {
    try {
      return await chromium.launch({ executablePath, args: ARGS });
    } catch (err) {
      // another process may still be closing the file it unpacked: wait a moment, as often as needed once
      if (attempt >= 5 || !/ETXTBSY/.test(String((err as Error)?.message))) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}
