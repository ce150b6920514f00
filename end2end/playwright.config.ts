import { defineConfig } from '@playwright/test';

// The server under test: the release build, on its own port, with a fresh SQLite database
// every run (the first test creates the first administrator).
const port = 3100;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // The HTML report (end2end/playwright-report) keeps the screenshots the tests attach.
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'setup', testMatch: /auth\/create-first-admin\.spec\.ts/ },
    {
      name: 'chromium',
      testIgnore: /auth\/create-first-admin\.spec\.ts/,
      dependencies: ['setup'],
    },
  ],
  webServer: {
    command: 'rm -rf .tmp && mkdir -p .tmp && ../target/release/quell serve',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      DATABASE_URL: 'sqlite://.tmp/e2e.db',
      LEPTOS_SITE_ROOT: '../target/site',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      QUELL_LOG: 'warn',
      // The tests' webhook receivers listen on this machine.
      QUELL_OUTBOUND_ALLOW: '127.0.0.1',
    },
  },
});
