import { describe, expect, it } from 'vitest';
import { type EmbedResponse, isEmbedRequest, isEmbedResponse, transferablesOf } from './embedProtocol';
import { ortWasmBuildChosenByTransformers } from './embedWorkerHost';

describe('isEmbedRequest', () => {
  it('accepts the three request shapes', () => {
    expect(isEmbedRequest({ type: 'load', id: 1, modelId: 'Xenova/bge-small-en-v1.5' })).toBe(true);
    expect(
      isEmbedRequest({
        type: 'load',
        id: 2,
        modelId: 'Xenova/all-MiniLM-L6-v2',
        localModelBaseUrl: '/models/transformers/',
        wasmPaths: { mjs: '/a.mjs', wasm: '/a.wasm' },
      }),
    ).toBe(true);
    expect(isEmbedRequest({ type: 'load', id: 3, modelId: 'm', wasmPaths: '/ort/' })).toBe(true);
    expect(isEmbedRequest({ type: 'embed', id: 4, texts: ['a', ''] })).toBe(true);
    expect(isEmbedRequest({ type: 'embed', id: 5, texts: [], batchSize: 8 })).toBe(true);
    expect(isEmbedRequest({ type: 'dispose', id: 6 })).toBe(true);
  });

  it('rejects malformed requests', () => {
    for (const bad of [
      null,
      'load',
      { type: 'load', modelId: 'm' }, // no id
      { type: 'load', id: '1', modelId: 'm' },
      { type: 'load', id: 1.5, modelId: 'm' },
      { type: 'load', id: 1 }, // no modelId
      { type: 'load', id: 1, modelId: 'm', localModelBaseUrl: 3 },
      { type: 'load', id: 1, modelId: 'm', wasmPaths: { mjs: 1 } },
      { type: 'embed', id: 1, texts: 'a' },
      { type: 'embed', id: 1, texts: ['a', 2] },
      { type: 'embed', id: 1, texts: ['a'], batchSize: 0 },
      { type: 'loaded', id: 1 },
      { type: 'nope', id: 1 },
    ]) {
      expect(isEmbedRequest(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('isEmbedResponse', () => {
  it('accepts each response shape', () => {
    const ok: EmbedResponse[] = [
      { type: 'progress', id: 1, status: 'progress', file: 'onnx/model_quantized.onnx', loaded: 5, total: 10 },
      { type: 'loaded', id: 1, modelId: 'm', dims: 384, loadMs: 12.5 },
      { type: 'embedded', id: 2, vectors: new Float32Array(768), count: 2, dims: 384, ms: 3 },
      { type: 'embedded', id: 2, vectors: new Float32Array(0), count: 0, dims: 384, ms: 0 },
      { type: 'disposed', id: 3 },
      { type: 'error', id: 4, message: 'boom' },
      { type: 'error', id: null, message: 'malformed' },
    ];
    for (const msg of ok) expect(isEmbedResponse(msg), msg.type).toBe(true);
  });

  it('rejects inconsistent or foreign messages', () => {
    for (const bad of [
      undefined,
      { type: 'progress', id: 1, status: 'weird', file: 'f', loaded: 0, total: 0 },
      { type: 'loaded', id: 1, modelId: 'm', dims: -1, loadMs: 1 },
      { type: 'embedded', id: 2, vectors: new Float32Array(10), count: 2, dims: 384, ms: 3 },
      { type: 'embedded', id: 2, vectors: [0, 1], count: 1, dims: 2, ms: 3 },
      { type: 'error', message: 'no id' },
      { type: 'error', id: 1 },
      { type: 'load', id: 1, modelId: 'm' },
    ]) {
      expect(isEmbedResponse(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('transferablesOf', () => {
  it('transfers the vectors buffer of an embedded response, nothing else', () => {
    const vectors = new Float32Array(384);
    expect(transferablesOf({ type: 'embedded', id: 1, vectors, count: 1, dims: 384, ms: 1 })).toEqual([vectors.buffer]);
    expect(transferablesOf({ type: 'loaded', id: 1, modelId: 'm', dims: 384, loadMs: 1 })).toEqual([]);
  });
});

describe('ortWasmBuildChosenByTransformers', () => {
  const cdn = 'https://cdn.jsdelivr.net/npm/onnxruntime-web@1.31.0-dev.20260914-8d85527a0/dist/';
  it('reads the build transformers.js picked from its default wasmPaths', () => {
    expect(
      ortWasmBuildChosenByTransformers({
        mjs: `${cdn}ort-wasm-simd-threaded.asyncify.mjs`,
        wasm: `${cdn}ort-wasm-simd-threaded.asyncify.wasm`,
      }),
    ).toBe('asyncify');
    expect(
      ortWasmBuildChosenByTransformers({
        mjs: `${cdn}ort-wasm-simd-threaded.mjs`,
        wasm: `${cdn}ort-wasm-simd-threaded.wasm`,
      }),
    ).toBe('plain');
    expect(ortWasmBuildChosenByTransformers({ mjs: new URL(`${cdn}ort-wasm-simd-threaded.mjs`) })).toBe('plain');
    expect(ortWasmBuildChosenByTransformers(undefined)).toBe('asyncify');
    expect(ortWasmBuildChosenByTransformers('/prefix/')).toBe('asyncify');
  });
});
