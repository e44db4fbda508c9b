import { useState } from 'react';
import type { LoadedChatModel } from '../llm/browserEngines';
import { chooseEngine } from '../llm/engineChoice';
import { CapabilitiesPanel } from './CapabilitiesPanel';
import { EmbeddingPanel } from './EmbeddingPanel';
import { ModelPanel } from './ModelPanel';
import { Playground } from './Playground';
import { useSettings } from './settings';
import { useCapabilities } from './useCapabilities';

export function App() {
  const caps = useCapabilities();
  const [settings, updateSettings] = useSettings();
  const [loaded, setLoaded] = useState<LoadedChatModel | null>(null);

  return (
    <main>
      <header>
        <h1>Memory-R1</h1>
        <p className="tagline">A private chat that remembers — every model runs in this browser; nothing leaves it.</p>
      </header>
      {!caps ? (
        <p role="status">Checking what this browser can run…</p>
      ) : (
        <AppBody caps={caps} settings={settings} updateSettings={updateSettings} loaded={loaded} setLoaded={setLoaded} />
      )}
    </main>
  );
}

function AppBody({
  caps,
  settings,
  updateSettings,
  loaded,
  setLoaded,
}: {
  caps: NonNullable<ReturnType<typeof useCapabilities>>;
  settings: ReturnType<typeof useSettings>[0];
  updateSettings: ReturnType<typeof useSettings>[1];
  loaded: LoadedChatModel | null;
  setLoaded: (m: LoadedChatModel | null) => void;
}) {
  const choice = chooseEngine(caps, settings.engineOverride ?? undefined);
  return (
    <div className="grid">
      <CapabilitiesPanel caps={caps} choice={choice} />
      <ModelPanel caps={caps} choice={choice} settings={settings} updateSettings={updateSettings} loaded={loaded} onLoaded={setLoaded} />
      {loaded && <Playground client={loaded.client} />}
      <EmbeddingPanel settings={settings} updateSettings={updateSettings} />
    </div>
  );
}
