import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';
import { contentSecurityPolicy, type PolicyOptions, splitSources } from './app/security/contentSecurityPolicy';

// wllama's multi-threaded WASM and onnxruntime-web's threads need SharedArrayBuffer, which browsers only give
// to cross-origin-isolated pages.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const policy = (mode: PolicyOptions['mode'], meta = false) =>
  contentSecurityPolicy({
    mode,
    meta,
    modelBaseUrl: process.env.VITE_MODEL_BASE_URL ?? '',
    extraConnectSources: splitSources(process.env.VITE_CSP_CONNECT_SRC),
  });

/** The build's index.html carries the policy itself, so any static host serves it with the page. */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'content-security-policy-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy('build', true) }, injectTo: 'head-prepend' }],
  };
}

/** frame-ancestors and the rest as a header too (a <meta> policy cannot forbid framing). */
const securityHeaders = (mode: PolicyOptions['mode']) => ({ 'Content-Security-Policy': policy(mode), 'X-Content-Type-Options': 'nosniff' });

const MODELS_DIR = path.resolve(process.env.MODELS_DIR ?? path.join(import.meta.dirname, 'models'));

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.gguf': 'application/octet-stream',
  '.wasm': 'application/wasm',
};

/**
 * Serves the files `npm run models:fetch` laid out in models/ at /models/, in `vite` and `vite preview` alike, so
 * the app can be pointed at a local base URL (tests, offline machines) while staying on its own origin.
 * A 404 for a missing file is what the app's loaders report to the user.
 */
function serveLocalModels(): Plugin {
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const url = req.url ?? '';
    if (!url.startsWith('/models/')) return next();
    const relative = decodeURIComponent(url.slice('/models/'.length).split('?')[0] ?? '');
    const file = path.resolve(MODELS_DIR, relative);
    if (!file.startsWith(MODELS_DIR + path.sep)) {
      res.statusCode = 403;
      return res.end();
    }
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.statusCode = 404;
      return res.end(`no local model file ${relative} (run npm run models:fetch)`);
    }
    res.setHeader('Content-Type', CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-cache');
    for (const [k, v] of Object.entries(crossOriginIsolation)) res.setHeader(k, v);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };
  return {
    name: 'serve-local-models',
    configureServer(server) {
      server.middlewares.use(handler);
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler);
    },
  };
}

export default defineConfig({
  plugins: [react(), serveLocalModels(), contentSecurityPolicyMeta()],
  server: { headers: { ...crossOriginIsolation, ...securityHeaders('dev') } },
  preview: { headers: { ...crossOriginIsolation, ...securityHeaders('build') } },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  // transformers.js and web-llm ship large pre-bundled ESM; pre-bundling them again only slows the dev server.
  optimizeDeps: { exclude: ['@huggingface/transformers', '@mlc-ai/web-llm', '@wllama/wllama'] },
});
