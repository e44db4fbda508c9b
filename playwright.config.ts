import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT ?? 4321);
// One build folder per port, so two e2e runs on other ports (parallel work on one machine) never serve each other's build.
const OUT_DIR = process.env.E2E_PORT ? `dist-e2e-${PORT}` : 'dist-e2e';
export const OPENAI_PORT = Number(process.env.E2E_OPENAI_PORT ?? 4322);
/** The OpenAI-compatible test server's bearer token (the app's server form takes it as the API key). */
export const OPENAI_TOKEN = 'e2e-openai-server-token';
// Debian's chromium: Playwright cannot download its own browser on machines without a CDN.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(`No Chromium at ${executablePath}: install Debian's chromium (apt-get install chromium; .ci/run does it) or set CHROMIUM_PATH.`);
}
// Without these, Chromium keeps dialling Google services that a closed network refuses, many at a time.
const quietChromium = ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

export default defineConfig({
  testDir: 'e2e',
  // Real models on 2 cores: one browser at a time, generous per-test time.
  workers: 1,
  fullyParallel: false,
  timeout: 240_000,
  expect: { timeout: 60_000 },
  retries: 0,
  // The JSON report feeds scripts/test-summary.ts (one closing line, and a failure on any skipped test).
  reporter: [['list'], ['json', { outputFile: 'reports/playwright.json' }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium-webgpu',
      testIgnore: /no-webgpu\.spec\.ts/,
      // WebGPU in headless Chromium needs --enable-unsafe-webgpu (SwiftShader). No --enable-features: Chromium
      // keeps only the last one and would drop Playwright's.
      use: { browserName: 'chromium', launchOptions: { executablePath, args: ['--enable-unsafe-webgpu', ...quietChromium] } },
    },
    {
      name: 'chromium-no-webgpu',
      testMatch: /no-webgpu\.spec\.ts/,
      use: { browserName: 'chromium', launchOptions: { executablePath, args: ['--disable-webgpu', ...quietChromium] } },
    },
  ],
  webServer: [
    {
      // The production build, served the way `vite preview` serves it, with the model loaders pointed at /models/.
      command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
      // The CSP's connect-src (app/security/contentSecurityPolicy.ts) admits the test's OpenAI-compatible server.
      env: { VITE_MODEL_BASE_URL: '/models/', VITE_CSP_CONNECT_SRC: `http://127.0.0.1:${OPENAI_PORT}` },
      url: `http://localhost:${PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 300_000,
      stdout: 'pipe',
    },
    {
      // The test GGUF behind an OpenAI-compatible API (node-llama-cpp), for the server backend's e2e test.
      // Only the app under test may call it, with the token.
      command: `npx tsx scripts/openai-server.ts --port ${OPENAI_PORT} --allow-origin http://localhost:${PORT} --token ${OPENAI_TOKEN}`,
      url: `http://127.0.0.1:${OPENAI_PORT}/health`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
});
