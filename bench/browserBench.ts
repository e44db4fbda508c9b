/**
 * What every browser bench needs: the app's Vite dev server (its config: COOP/COEP, /models/) on a free port and
 * Debian's Chromium. File watching and HMR are off so an edit elsewhere in the tree cannot reload a page mid-run.
 */
import path from 'node:path';
import { type Browser, chromium } from '@playwright/test';
import { createServer } from 'vite';

export interface BrowserBench {
  /** http://localhost:<port> */
  origin: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function openBrowserBench(options: { webgpu?: boolean } = {}): Promise<BrowserBench> {
  // The app's loaders point at /models/, as in the e2e build: a bench that opens the app loads the test models from
  // here, never from their remote hosts (unreachable on a closed network).
  process.env.VITE_MODEL_BASE_URL = '/models/';
  const server = await createServer({
    configFile: path.resolve(import.meta.dirname, '../vite.config.ts'),
    server: { port: 0, strictPort: false, hmr: false, watch: null },
    logLevel: 'error',
  });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 5173;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // Without the background-networking flags Chromium keeps dialling services a closed network refuses.
    args: [
      ...(options.webgpu ? ['--enable-unsafe-webgpu'] : []),
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  return {
    origin: `http://localhost:${port}`,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
