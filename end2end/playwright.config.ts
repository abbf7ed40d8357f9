import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. The flags keep Chromium
// from reaching for the network, which is closed here (../shared/BUILD.md).
export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  // One worker: the demonstration-reset test rewrites the data the other
  // tests read, and the machine has two cores for the server and Chromium.
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 30_000,
  use: {
    baseURL: process.env.CAREBOOK_BASE_URL ?? 'http://127.0.0.1:3000',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
