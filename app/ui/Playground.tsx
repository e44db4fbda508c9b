import { useRef, useState } from 'react';
import { memoryUpdateSchema } from '../agent/prompts/memoryUpdatePrompt';
import type { SchemaCheck } from '../llm/jsonSchemaCheck';
import { checkJsonAgainstSchema } from '../llm/jsonSchemaCheck';
import type { CompletionResult, JsonSchema, LLMClient } from '../llm/types';

const DEFAULT_PROMPT = 'Alice said: "I adopted a dog named Buddy last week." List the memory operations as JSON.';

export function Playground({ client }: { client: LLMClient }) {
  const [prompt, setPrompt] = useState(DEFAULT_PROMPT);
  const [useSchema, setUseSchema] = useState(true);
  // The memory manager's own output schema for the default prompt: no shown memory, one new fact.
  const [schemaText, setSchemaText] = useState(JSON.stringify(memoryUpdateSchema(0, 1), null, 2));
  const [maxTokens, setMaxTokens] = useState(96);
  const [output, setOutput] = useState('');
  const [result, setResult] = useState<CompletionResult | null>(null);
  const [check, setCheck] = useState<SchemaCheck | null>(null);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);
  const abortRef = useRef<AbortController | null>(null);

  async function generate() {
    let schema: JsonSchema | undefined;
    if (useSchema) {
      try {
        schema = JSON.parse(schemaText) as JsonSchema;
      } catch (e) {
        setError(`The schema is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
    const controller = new AbortController();
    abortRef.current = controller;
    setRunning(true);
    setOutput('');
    setResult(null);
    setCheck(null);
    setError('');
    try {
      const r = await client.complete([{ role: 'user', content: prompt }], {
        maxTokens,
        temperature: 0,
        signal: controller.signal,
        onToken: (delta) => setOutput((text) => text + delta),
        ...(schema ? { jsonSchema: schema } : {}),
      });
      setOutput(r.text);
      setResult(r);
      if (schema) setCheck(await checkJsonAgainstSchema(r.text, schema));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
      abortRef.current = null;
    }
  }

  return (
    <section aria-labelledby="playground-title" className="panel">
      <h2 id="playground-title">Try the model</h2>
      <label htmlFor="prompt">Prompt</label>
      <textarea id="prompt" rows={3} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
      <div className="row">
        <label>
          <input type="checkbox" checked={useSchema} onChange={(e) => setUseSchema(e.target.checked)} /> Constrain to a JSON schema
        </label>
        <label htmlFor="max-tokens">Max tokens</label>
        <input id="max-tokens" type="number" min={1} max={4096} value={maxTokens} onChange={(e) => setMaxTokens(Math.max(1, Number(e.target.value) || 1))} />
      </div>
      {useSchema && (
        <>
          <label htmlFor="schema">JSON schema</label>
          <textarea id="schema" rows={6} value={schemaText} onChange={(e) => setSchemaText(e.target.value)} className="mono" />
        </>
      )}
      <div className="row">
        {running ? (
          <button type="button" onClick={() => abortRef.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="button" onClick={() => void generate()} data-testid="generate">
            Generate
          </button>
        )}
      </div>
      <label htmlFor="output">Output</label>
      <output id="output" className="mono output" data-testid="completion-output">
        {output}
      </output>
      {check && (
        <p data-testid="schema-check" className={check.ok ? 'ok' : 'error'}>
          {check.ok ? 'Valid against the schema' : `Not valid against the schema: ${check.errors.join('; ')}`}
        </p>
      )}
      {result && (
        <p data-testid="completion-usage" className="meta">
          {result.usage.promptTokens} prompt tokens
          {result.usage.cachedTokens !== undefined ? ` (${result.usage.cachedTokens} from cache)` : ''}, {result.usage.completionTokens} generated in{' '}
          {(result.timings.totalMs / 1000).toFixed(2)} s
          {result.timings.decodeMs ? ` — ${((result.usage.completionTokens / result.timings.decodeMs) * 1000).toFixed(1)} tok/s decode` : ''}
          {result.finishReason === 'length' ? ' — stopped at max tokens' : ''}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
