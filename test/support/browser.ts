// The browser for the UI tests: Chromium driven by playwright-core. Which binary: $CHROMIUM_PATH
// when set, Debian's /usr/bin/chromium when installed, otherwise the one the @sparticuz/chromium
// npm package ships (a brotli-packed headless shell, unpacked to the temp folder on first use), so
// `npm ci && npm test` needs nothing installed by hand.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (fs.existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumPath(), args: ARGS });
}
