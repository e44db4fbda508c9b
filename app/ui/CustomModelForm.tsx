import type { FormEvent } from 'react';
import { useId, useState } from 'react';
import type { CatalogEntry } from '../llm/catalog';
import type { CustomModelField, CustomModelSpec } from '../llm/customModel';
import { buildCustomModel, CustomModelError } from '../llm/customModel';
import type { BrowserEngine } from '../llm/engineChoice';

interface CustomModelFormProps {
  /** The engine that runs now: the form starts on it, and says so when a model is added for the other one. */
  engine: BrowserEngine;
  /** Receives a spec that validated; the panel saves and selects it. */
  onAdd: (spec: CustomModelSpec, entry: CatalogEntry) => void;
}

/** "Your own model (URL)": a fine-tune or any model the catalog lacks, by the URL of its files. */
export function CustomModelForm({ engine: runningEngine, onAdd }: CustomModelFormProps) {
  const [engine, setEngine] = useState<BrowserEngine>(runningEngine);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [modelUrl, setModelUrl] = useState('');
  const [modelLibUrl, setModelLibUrl] = useState('');
  const [error, setError] = useState<{ field: CustomModelField; message: string } | null>(null);
  const [added, setAdded] = useState('');
  const errorId = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    const spec: CustomModelSpec = engine === 'wllama' ? { engine, name, url } : { engine, name, modelUrl, modelLibUrl };
    try {
      const entry = buildCustomModel(spec);
      onAdd(spec, entry);
      setError(null);
      setAdded(
        entry.engine === runningEngine
          ? `Added ${entry.id}; it is selected below.`
          : `Added ${entry.id}. It runs on ${entry.engine === 'webllm' ? 'web-llm' : 'llama.cpp (wllama)'}, so it is listed when that is the engine.`,
      );
    } catch (caught) {
      setAdded('');
      // What the user typed stays in the form, so a typo is fixed rather than retyped.
      if (caught instanceof CustomModelError) setError({ field: caught.field, message: caught.message });
      else setError({ field: 'url', message: caught instanceof Error ? caught.message : String(caught) });
    }
  }

  const invalid = (field: CustomModelField) => (error?.field === field ? { 'aria-invalid': true as const, 'aria-describedby': errorId } : {});

  return (
    <details className="custom-model">
      <summary>Your own model (URL)</summary>
      <form onSubmit={submit} aria-label="Your own model (URL)">
        <p className="note">
          A fine-tuned or other model by the URL of its files (see docs/training.md). Only that URL is fetched; a URL on another server is a request you choose
          to make. The app's Content-Security-Policy lets it reach only this server and the built-in models' hosts: for files elsewhere, build or serve the app
          with VITE_CSP_CONNECT_SRC set to their origin.
        </p>
        <div className="row">
          {/* Not labelled "Engine": the panel's engine override already is, and this picks the model's format. */}
          <label htmlFor="custom-engine">Model format</label>
          <select id="custom-engine" value={engine} onChange={(e) => setEngine(e.target.value as BrowserEngine)}>
            <option value="wllama">GGUF file — runs on llama.cpp (wllama)</option>
            <option value="webllm">MLC-compiled model and .wasm library — runs on web-llm (WebGPU)</option>
          </select>
        </div>
        {engine === 'wllama' ? (
          <div className="row">
            <label htmlFor="custom-url">GGUF file URL</label>
            <input
              id="custom-url"
              value={url}
              placeholder="https://…/model.Q4_K_M.gguf or /models/gguf/…"
              onChange={(e) => setUrl(e.target.value)}
              {...invalid('url')}
            />
          </div>
        ) : (
          <>
            <div className="row">
              <label htmlFor="custom-model-url">Model URL</label>
              <input
                id="custom-model-url"
                value={modelUrl}
                placeholder="https://huggingface.co/you/model-q4f16_1-MLC"
                onChange={(e) => setModelUrl(e.target.value)}
                {...invalid('modelUrl')}
              />
            </div>
            <div className="row">
              <label htmlFor="custom-lib-url">Model library (.wasm) URL</label>
              <input
                id="custom-lib-url"
                value={modelLibUrl}
                placeholder="https://…/model-q4f16_1-webgpu.wasm"
                onChange={(e) => setModelLibUrl(e.target.value)}
                {...invalid('modelLibUrl')}
              />
            </div>
          </>
        )}
        <div className="row">
          <label htmlFor="custom-name">Name</label>
          <input id="custom-name" value={name} placeholder="from the file name" onChange={(e) => setName(e.target.value)} {...invalid('name')} />
        </div>
        <button type="submit">Add model</button>
        {error && (
          <p role="alert" className="error" id={errorId} data-testid="custom-model-error">
            {error.message}
          </p>
        )}
        {added && <p role="status">{added}</p>}
      </form>
    </details>
  );
}
