/**
 * npm run bench:bundle
 *
 * Builds the app (production, into a temporary folder, with Vite's build manifest) and prints the gzip bytes of
 * the JavaScript the first screen loads and of every chunk that loads later (engines, transformers.js, workers).
 * Last line: `bundle first_screen_gzip_kb=<n>`.
 *
 * The first screen = index.html's entry chunk, its static imports (transitively), and the worker chunks the first
 * screen starts on its own (FIRST_SCREEN_WORKERS: the retrieval worker, started when the memory bank opens).
 * Dynamic imports and every other worker load only when needed. `npm run check:bundle` (scripts/check-bundle.ts,
 * run by CI) holds the build to FIRST_SCREEN_BUDGET_GZIP_BYTES with the same measurement.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The budget: 300 KB of gzip for the first screen's JavaScript. */
export const FIRST_SCREEN_BUDGET_GZIP_BYTES = 300 * 1024;

/** Worker chunks (by file-name prefix) that the first screen starts without any user action. */
export const FIRST_SCREEN_WORKERS = ['retrieval.worker'];

interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  assets?: string[];
}

export interface ChunkSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

export interface BundleReport {
  firstScreen: ChunkSize[];
  lazy: ChunkSize[];
  firstScreenGzipBytes: number;
}

const isJs = (file: string) => /\.(m?js)$/.test(file);

function sizeOf(outDir: string, file: string): ChunkSize {
  const body = readFileSync(path.join(outDir, file));
  return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
}

/** Splits a finished build (with `.vite/manifest.json`) into first-screen and lazily loaded JavaScript. */
export function analyzeBuild(outDir: string): BundleReport {
  const manifest = JSON.parse(readFileSync(path.join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const entries = Object.entries(manifest).filter(([, c]) => c.isEntry);
  if (entries.length === 0) throw new Error('build manifest has no entry chunk');

  // The entry chunks and their static imports, transitively: the browser fetches all of them before the first render.
  const firstKeys = new Set<string>();
  const visit = (key: string) => {
    if (firstKeys.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`build manifest: unknown chunk ${key}`);
    firstKeys.add(key);
    for (const imp of chunk.imports ?? []) visit(imp);
  };
  for (const [key] of entries) visit(key);

  const firstFiles = new Set<string>([...firstKeys].map((k) => manifest[k]!.file));
  // Worker chunks appear as assets of the chunk that starts them; the first screen starts only some of them.
  for (const key of firstKeys) {
    for (const asset of manifest[key]!.assets ?? []) {
      const base = path.basename(asset);
      if (isJs(asset) && FIRST_SCREEN_WORKERS.some((w) => base.startsWith(`${w}-`))) firstFiles.add(asset);
    }
  }

  // Every other JavaScript file the build emitted (chunks and worker chunks) loads only when needed.
  const allJs = new Set<string>();
  for (const chunk of Object.values(manifest)) {
    if (isJs(chunk.file)) allJs.add(chunk.file);
    for (const asset of chunk.assets ?? []) if (isJs(asset)) allJs.add(asset);
  }
  const firstScreen = [...firstFiles].filter(isJs).map((f) => sizeOf(outDir, f));
  const lazy = [...allJs].filter((f) => !firstFiles.has(f)).map((f) => sizeOf(outDir, f));
  lazy.sort((a, b) => b.gzipBytes - a.gzipBytes);
  firstScreen.sort((a, b) => b.gzipBytes - a.gzipBytes);
  return { firstScreen, lazy, firstScreenGzipBytes: firstScreen.reduce((s, c) => s + c.gzipBytes, 0) };
}

/** Runs a production build of the app into a fresh temporary folder and measures it; removes the folder after. */
export async function measureBundle(): Promise<BundleReport> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'memory-r1-bundle-'));
  try {
    await build({
      configFile: path.resolve(import.meta.dirname, '../vite.config.ts'),
      root: path.resolve(import.meta.dirname, '..'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true, manifest: true },
    });
    return analyzeBuild(outDir);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

async function main() {
  const report = await measureBundle();
  const row = (c: ChunkSize) => `  ${c.file.padEnd(52)} ${kb(c.bytes).padStart(9)} KB  gzip ${kb(c.gzipBytes).padStart(8)} KB`;
  console.log('first screen (entry, its static imports, workers it starts):');
  for (const c of report.firstScreen) console.log(row(c));
  console.log('loaded only when needed (dynamic imports, other workers):');
  for (const c of report.lazy) console.log(row(c));
  console.log(`budget: ${kb(FIRST_SCREEN_BUDGET_GZIP_BYTES)} KB gzip`);
  console.log(`bundle first_screen_gzip_kb=${kb(report.firstScreenGzipBytes)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
