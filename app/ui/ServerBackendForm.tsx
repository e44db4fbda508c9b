import { useState } from 'react';
import type { LoadedChatModel } from '../llm/browserEngines';
import type { Settings } from './settings';

interface ServerBackendFormProps {
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  onLoaded: (model: LoadedChatModel | null) => void;
}

/**
 * An OpenAI-compatible server (vLLM, Ollama, llama.cpp server, `npm run serve:openai`) as the chat model: how
 * users run bigger or fine-tuned checkpoints. The agents run unchanged on it; the memory bank stays in the browser.
 */
export function ServerBackendForm({ settings, updateSettings, onLoaded }: ServerBackendFormProps) {
  const [models, setModels] = useState<string[] | null>(null);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const endpoint = { baseUrl: settings.openaiBaseUrl, ...(settings.openaiApiKey ? { apiKey: settings.openaiApiKey } : {}) };

  async function connect() {
    setBusy(true);
    setProblem('');
    try {
      const { createOpenAICompatibleClient, listOpenAICompatibleModels } = await import('../llm/openaiCompatibleClient');
      const started = performance.now();
      const listed = await listOpenAICompatibleModels(endpoint);
      setModels(listed);
      const model = settings.openaiModel.trim() || listed[0];
      if (!model) throw new Error('The server lists no models; type the model name.');
      const client = createOpenAICompatibleClient({ ...endpoint, model });
      onLoaded({ client, loadMs: performance.now() - started, runtime: `OpenAI-compatible server at ${client.baseUrl}` });
    } catch (error) {
      onLoaded(null);
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="server-form">
      <div className="row">
        <label htmlFor="openai-url">Server URL</label>
        <input id="openai-url" value={settings.openaiBaseUrl} onChange={(e) => updateSettings({ openaiBaseUrl: e.target.value })} />
      </div>
      <div className="row">
        <label htmlFor="openai-model">Model</label>
        <input
          id="openai-model"
          list="openai-models"
          value={settings.openaiModel}
          placeholder="the server's first model"
          onChange={(e) => updateSettings({ openaiModel: e.target.value })}
        />
        <datalist id="openai-models">
          {(models ?? []).map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
      </div>
      <div className="row">
        <label htmlFor="openai-key">API key (optional)</label>
        <input
          id="openai-key"
          type="password"
          autoComplete="off"
          value={settings.openaiApiKey}
          onChange={(e) => updateSettings({ openaiApiKey: e.target.value })}
        />
      </div>
      <p className="note">Messages and memories shown to the model go to this server; the memory bank itself stays in this browser.</p>
      <button type="button" onClick={() => void connect()} disabled={busy || !settings.openaiBaseUrl.trim()} data-testid="connect-server">
        {busy ? 'Connecting…' : 'Connect'}
      </button>
      {problem && (
        <p role="alert" className="error" data-testid="server-error">
          {problem}
        </p>
      )}
    </div>
  );
}
