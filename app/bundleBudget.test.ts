import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBuild, FIRST_SCREEN_BUDGET_GZIP_BYTES, measureBundle } from '../bench/bundle';

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

  it('the production build keeps the first screen’s JavaScript within 300 KB of gzip, engines lazy', async () => {
    const report = await measureBundle();
    const firstFiles = report.firstScreen.map((c) => c.file).join(', ');
    // A size, not a timing: fails the build when the first screen grows past the budget.
    expect(report.firstScreenGzipBytes, `first screen: ${firstFiles}`).toBeLessThanOrEqual(FIRST_SCREEN_BUDGET_GZIP_BYTES);
    // The engines and transformers.js are chunks of their own, loaded only when needed.
    const lazyFiles = report.lazy.map((c) => c.file).join(' ');
    expect(lazyFiles).toMatch(/embed\.worker-/);
    expect(lazyFiles).toMatch(/wllamaClient-/);
    expect(lazyFiles).toMatch(/webllmClient-/);
  });
});
