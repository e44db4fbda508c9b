import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBuild, type BundleReport, FIRST_SCREEN_BUDGET_GZIP_BYTES } from '../bench/bundle';
import { bundleProblems } from './check-bundle';

// The build itself is measured by `npm run check:bundle` in CI (a production build is too slow for the unit suite);
// here, on a hand-made build folder and reports, what that check counts and when it fails.
describe('first-screen bundle budget', () => {
  it('counts the entry, its static imports and first-screen workers, never dynamic imports or other workers', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-fixture-'));
    try {
      mkdirSync(path.join(dir, '.vite'));
      mkdirSync(path.join(dir, 'assets'));
      const files: Record<string, string> = {
        'assets/index.js': 'entry'.repeat(100),
        'assets/shared.js': 'shared'.repeat(100),
        'assets/engine.js': 'engine'.repeat(100),
        'assets/retrieval.worker-x.js': 'retrieval'.repeat(100),
        'assets/embed.worker-x.js': 'embed'.repeat(100),
      };
      for (const [f, body] of Object.entries(files)) writeFileSync(path.join(dir, f), body);
      writeFileSync(
        path.join(dir, '.vite', 'manifest.json'),
        JSON.stringify({
          'index.html': {
            file: 'assets/index.js',
            isEntry: true,
            imports: ['_shared.js'],
            dynamicImports: ['engine.ts'],
            assets: ['assets/retrieval.worker-x.js', 'assets/embed.worker-x.js'],
          },
          '_shared.js': { file: 'assets/shared.js' },
          'engine.ts': { file: 'assets/engine.js', isDynamicEntry: true, imports: ['_shared.js'] },
        }),
      );
      const report = analyzeBuild(dir);
      expect(report.firstScreen.map((c) => c.file).sort()).toEqual(['assets/index.js', 'assets/retrieval.worker-x.js', 'assets/shared.js']);
      expect(report.lazy.map((c) => c.file).sort()).toEqual(['assets/embed.worker-x.js', 'assets/engine.js']);
      expect(report.firstScreenGzipBytes).toBe(report.firstScreen.reduce((s, c) => s + c.gzipBytes, 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes a build within the budget with the engines lazy, and fails one over it or with an engine on the first screen', () => {
    const chunk = (file: string, gzipBytes: number) => ({ file, bytes: gzipBytes * 3, gzipBytes });
    const lazy = [chunk('assets/embed.worker-a1.js', 9000), chunk('assets/wllamaClient-b2.js', 40_000), chunk('assets/webllmClient-c3.js', 90_000)];
    const report = (firstScreen: BundleReport['firstScreen'], lazyChunks = lazy): BundleReport => ({
      firstScreen,
      lazy: lazyChunks,
      firstScreenGzipBytes: firstScreen.reduce((s, c) => s + c.gzipBytes, 0),
    });
    expect(bundleProblems(report([chunk('assets/index-x.js', FIRST_SCREEN_BUDGET_GZIP_BYTES)]))).toEqual([]);

    const over = bundleProblems(report([chunk('assets/index-x.js', FIRST_SCREEN_BUDGET_GZIP_BYTES), chunk('assets/shared-y.js', 1)]));
    expect(over).toEqual([expect.stringMatching(/^first screen is 300\.0 KB of gzip, over the 300\.0 KB budget: assets\/index-x\.js/)]);

    const eager = bundleProblems(report([chunk('assets/index-x.js', 1000), lazy[1]!], [lazy[0]!, lazy[2]!]));
    expect(eager).toEqual(['assets/wllamaClient-b2.js loads with the first screen; it must load only when needed']);

    const merged = bundleProblems(report([chunk('assets/index-x.js', 1000)], [lazy[0]!, lazy[1]!]));
    expect(merged).toEqual(['no lazily loaded chunk named webllmClient-*: it was bundled into another chunk']);
  });
});
