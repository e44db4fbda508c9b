/**
 * The wllama internals the client reaches (no public API reports a dead worker) are those of the pinned version:
 * an upgrade fails here, loudly, until the engine-loss watch in wllamaClient.ts is checked against the new source.
 * (The client itself runs in the browser: e2e/wllama.spec.ts and bench:engines exercise it on the real model.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json';

const require = createRequire(import.meta.url);
const wllamaDir = path.dirname(require.resolve('@wllama/wllama/package.json'));

// Imported as text, not as the module: wllamaClient.ts imports wllama's .wasm through Vite's `?url`.
const CHECKED = /export const WLLAMA_VERSION_CHECKED = '([^']+)'/.exec(readFileSync(path.resolve(import.meta.dirname, 'wllamaClient.ts'), 'utf8'))?.[1];

describe('wllama internals the client relies on', () => {
  it('are those of the exact version pinned in package.json and installed', () => {
    const installed = (JSON.parse(readFileSync(path.join(wllamaDir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(CHECKED).toBeDefined();
    expect(packageJson.dependencies['@wllama/wllama']).toBe(CHECKED);
    expect(installed).toBe(CHECKED);
  });

  it('still have a private proxy with a worker and an abort, and load options the client passes', () => {
    const wllama = readFileSync(path.join(wllamaDir, 'esm/wllama.d.ts'), 'utf8');
    const worker = readFileSync(path.join(wllamaDir, 'esm/worker.d.ts'), 'utf8');
    const types = readFileSync(path.join(wllamaDir, 'esm/types/types.d.ts'), 'utf8');
    expect(wllama).toMatch(/private proxy;/);
    expect(worker).toMatch(/export declare class ProxyToWorker/);
    expect(worker).toMatch(/worker\?: Worker/);
    expect(worker).toMatch(/private abort;/);
    const code = readFileSync(path.join(wllamaDir, 'esm/index.js'), 'utf8');
    // abort(text, stack) rejects every pending call: what the client calls when the worker dies.
    expect(code).toMatch(/abort\(text, stack\)/);
    for (const option of ['n_batch', 'n_ubatch', 'n_gpu_layers', 'n_parallel', 'kv_unified']) expect(types).toContain(`${option}?:`);
  });
});
