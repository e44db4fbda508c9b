import { describe, expect, it } from 'vitest';
import type { Capabilities } from './capabilities';
import { resolveModelSource, TEST_CHAT_MODEL_ID } from './catalog';
import type { CustomModelSpec } from './customModel';
import { addCustomModel, buildCustomModel, CustomModelError, readCustomModels, removeCustomModel } from './customModel';
import { availableModels, chooseEngine } from './engineChoice';
import { webllmAppConfig } from './webllmClient';

const GGUF_URL = 'https://example.org/me/my-finetune/resolve/main/my-finetune.Q4_K_M.gguf';
const MLC_MODEL = 'https://huggingface.co/me/my-finetune-q4f16_1-MLC';
const MLC_LIB = 'https://example.org/libs/my-finetune-q4f16_1-webgpu.wasm';

function errorOf(spec: CustomModelSpec): CustomModelError {
  try {
    buildCustomModel(spec);
  } catch (error) {
    if (error instanceof CustomModelError) return error;
    throw error;
  }
  throw new Error('expected a CustomModelError');
}

const noGpu: Capabilities = {
  webgpu: null,
  webgpuProblem: 'navigator.gpu is undefined',
  crossOriginIsolated: false,
  hardwareConcurrency: 2,
} as unknown as Capabilities;

describe('buildCustomModel: GGUF by URL (wllama)', () => {
  it('makes a wllama entry whose URL is used as given, even when a local base URL is set', () => {
    const entry = buildCustomModel({ engine: 'wllama', name: ' My fine-tune ', url: ` ${GGUF_URL} ` });
    expect(entry).toMatchObject({ engine: 'wllama', id: 'My fine-tune', label: 'My fine-tune', url: GGUF_URL, custom: true, quantization: 'Q4_K_M' });
    expect(resolveModelSource(entry, '/models/')).toEqual({ url: GGUF_URL, local: false });
    expect(resolveModelSource(entry, '')).toEqual({ url: GGUF_URL, local: false });
  });

  it('accepts a path on this server and calls it local', () => {
    const entry = buildCustomModel({ engine: 'wllama', name: '', url: '/models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf' });
    expect(entry.id).toBe('SmolLM2-135M-Instruct.Q4_1');
    expect(resolveModelSource(entry, 'https://elsewhere.example/')).toEqual({ url: '/models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf', local: true });
  });

  it('accepts a split GGUF by its shard name and names the model without the shard suffix', () => {
    const entry = buildCustomModel({ engine: 'wllama', name: '', url: 'https://example.org/big-00001-of-00003.gguf?download=true' });
    expect(entry.id).toBe('big');
  });

  it.each([
    ['protocol-relative', '//evil.example/m.gguf', /starts with \/\//],
    ['UNC-style backslashes', '\\\\evil.example\\m.gguf', /backslashes/],
    ['a slash then a backslash', '/\\evil.example/m.gguf', /backslashes/],
    ['credentials', 'https://user:pass@host.example/m.gguf', /user name or password/],
    ['a bidi override', 'https://host.example/\u202efuggm.gguf', /invisible control characters/],
  ])('refuses a %s URL that would leave this origin or mislead', (_name, url, message) => {
    const error = errorOf({ engine: 'wllama', name: 'x', url });
    expect(error.field).toBe('url');
    expect(error.message).toMatch(message);
  });

  it('refuses a name with a bidi override', () => {
    expect(errorOf({ engine: 'wllama', name: 'good\u202egguf.exe', url: GGUF_URL }).field).toBe('name');
  });

  it('keeps a URL on the page origin as its path, so it counts as local', () => {
    const entry = buildCustomModel({ engine: 'wllama', name: 'x', url: 'http://page.invalid/models/x.gguf?v=1' });
    expect(resolveModelSource(entry, '')).toEqual({ url: '/models/x.gguf?v=1', local: true });
  });

  it.each([
    ['', 'url', /required/],
    ['ftp://example.org/m.gguf', 'url', /http\(s\) URL or a path on this server.*ftp:/],
    ['javascript:alert(1)//.gguf', 'url', /javascript:/],
    ['file:///home/me/m.gguf', 'url', /file:/],
    ['https://example.org/model.bin', 'url', /must end in \.gguf/],
    ['https://example.org/m.gguf/', 'url', /must end in \.gguf/],
    ['https://example.org/my model.gguf', 'url', /spaces/],
    ['https://example.org/big-1-of-3.gguf', 'url', /five digits/],
    ['https://example.org/big-00004-of-00003.gguf', 'url', /shard 4 of 3/],
  ])('refuses %j with a message that says what to fix', (url, field, message) => {
    const error = errorOf({ engine: 'wllama', name: 'n', url });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('refuses a name that is a built-in model id, or one that is too long', () => {
    expect(errorOf({ engine: 'wllama', name: TEST_CHAT_MODEL_ID, url: GGUF_URL })).toMatchObject({ field: 'name', message: expect.stringMatching(/built-in/) });
    expect(errorOf({ engine: 'wllama', name: 'x'.repeat(101), url: GGUF_URL }).field).toBe('name');
    expect(errorOf({ engine: 'wllama', name: 'a\nb', url: GGUF_URL }).field).toBe('name');
  });

  it('is listed and usable with the llama.cpp models, and not with web-llm ones', () => {
    const entry = buildCustomModel({ engine: 'wllama', name: 'mine', url: GGUF_URL });
    const choice = chooseEngine(noGpu);
    expect(choice.engine).toBe('wllama');
    expect(availableModels([entry], noGpu, choice)).toEqual([{ entry, usable: true }]);
  });
});

describe('buildCustomModel: MLC model by URL (web-llm)', () => {
  it('makes the web-llm record from the model URL, the library URL and the name', () => {
    const entry = buildCustomModel({ engine: 'webllm', name: '', modelUrl: MLC_MODEL, modelLibUrl: MLC_LIB });
    expect(entry).toMatchObject({
      engine: 'webllm',
      id: 'my-finetune-q4f16_1-MLC',
      quantization: 'q4f16_1',
      custom: true,
      requires: { webgpu: true, shaderF16: true },
    });
    if (entry.engine !== 'webllm') throw new Error('expected web-llm');
    const config = webllmAppConfig(entry, resolveModelSource(entry, '/models/'));
    expect(config.model_list).toHaveLength(1);
    expect(config.model_list[0]).toMatchObject({ model: MLC_MODEL, model_id: 'my-finetune-q4f16_1-MLC', model_lib: MLC_LIB });
  });

  it('names a resolve/<branch>/ URL by its repository and needs no shader-f16 for an f32 build', () => {
    const entry = buildCustomModel({
      engine: 'webllm',
      name: '',
      modelUrl: 'https://example.org/me/tuned-q4f32_1-MLC/resolve/main/',
      modelLibUrl: '/libs/tuned-q4f32_1-webgpu.wasm',
    });
    expect(entry).toMatchObject({ id: 'tuned-q4f32_1-MLC', quantization: 'q4f32_1', requires: { shaderF16: false } });
  });

  it.each<[Partial<Extract<CustomModelSpec, { engine: 'webllm' }>>, string, RegExp]>([
    [{ modelLibUrl: '' }, 'modelLibUrl', /model library \(\.wasm\)/],
    [{ modelLibUrl: 'https://example.org/lib.js' }, 'modelLibUrl', /\.wasm file/],
    [{ modelLibUrl: 'data:application/wasm;base64,AA==' }, 'modelLibUrl', /data:/],
    [{ modelUrl: '' }, 'modelUrl', /required/],
    [{ modelUrl: 'https://example.org/m.gguf' }, 'modelUrl', /not GGUF/],
  ])('refuses %j', (patch, field, message) => {
    const error = errorOf({ engine: 'webllm', name: 'n', modelUrl: MLC_MODEL, modelLibUrl: MLC_LIB, ...patch });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('saved custom models', () => {
  it('two saved specs of one name (in any case) give one entry, and the second is reported', () => {
    const read = readCustomModels([
      { engine: 'wllama', name: 'Mine', url: GGUF_URL },
      { engine: 'wllama', name: 'mine', url: 'https://example.org/other.gguf' },
    ]);
    expect(read.entries.map((e) => e.id)).toEqual(['Mine']);
    expect(read.problems).toEqual(['Saved model "mine": another saved model has this name; this one was not loaded']);
    expect(addCustomModel([{ engine: 'wllama', name: 'Mine', url: GGUF_URL }], { engine: 'wllama', name: 'mine', url: GGUF_URL }).map((s) => s.name)).toEqual([
      'mine',
    ]);
  });

  it('adds cleaned specs, replaces one of the same name, removes by name', () => {
    let saved = addCustomModel([], { engine: 'wllama', name: ' mine ', url: ` ${GGUF_URL}` });
    expect(saved).toEqual([{ engine: 'wllama', name: 'mine', url: GGUF_URL }]);
    saved = addCustomModel(saved, { engine: 'webllm', name: 'web', modelUrl: MLC_MODEL, modelLibUrl: MLC_LIB });
    saved = addCustomModel(saved, { engine: 'wllama', name: 'mine', url: '/models/v2.gguf' });
    expect(saved.map((s) => s.name)).toEqual(['web', 'mine']);
    expect(saved[1]).toEqual({ engine: 'wllama', name: 'mine', url: '/models/v2.gguf' });
    expect(removeCustomModel(saved, 'web').map((s) => s.name)).toEqual(['mine']);
  });

  it('does not save an invalid spec: the error reaches the caller and the list is unchanged', () => {
    const saved = addCustomModel([], { engine: 'wllama', name: 'mine', url: GGUF_URL });
    expect(() => addCustomModel(saved, { engine: 'wllama', name: 'bad', url: 'ftp://x/m.gguf' })).toThrow(CustomModelError);
    expect(saved).toHaveLength(1);
  });

  it('rebuilds saved entries and reports, without dropping the rest, the ones that no longer validate', () => {
    const read = readCustomModels([
      { engine: 'wllama', name: 'ok', url: GGUF_URL },
      { engine: 'wllama', name: 'broken', url: 'ftp://x' },
      42,
      { engine: 'gpt', name: 'z' },
    ]);
    expect(read.entries.map((e) => e.id)).toEqual(['ok']);
    expect(read.problems).toHaveLength(3);
    expect(read.problems[0]).toMatch(/^Saved model "broken": .*ftp:/);
    expect(read.problems[2]).toMatch(/Unknown engine "gpt"/);
    expect(readCustomModels(undefined)).toEqual({ entries: [], problems: [] });
    expect(readCustomModels('nope').problems).toHaveLength(1);
  });
});
