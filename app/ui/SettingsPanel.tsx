import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import type { MemoryDB } from '../memory/db';
import { RETRIEVAL_K_RANGE, type Settings } from './settings';

interface SettingsPanelProps {
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  db: MemoryDB | null;
}

/** Retrieval and namespace settings: how many memories the Answer Agent reads, and whose memories the chat uses. */
export function SettingsPanel({ settings, updateSettings, db }: SettingsPanelProps) {
  const namespaces = useLiveQuery(async () => (db ? ((await db.memories.orderBy('namespace').uniqueKeys()) as string[]) : []), [db]);
  const [k, setK] = useState(String(settings.retrievalK));
  const [namespace, setNamespace] = useState(settings.namespace);
  const kValue = Number(k);
  const kOk = Number.isInteger(kValue) && kValue >= RETRIEVAL_K_RANGE.min && kValue <= RETRIEVAL_K_RANGE.max;
  const nsOk = namespace.trim().length > 0;
  return (
    <section aria-labelledby="settings-title" className="panel">
      <h2 id="settings-title">Retrieval and namespaces</h2>
      <form
        className="settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (kOk && nsOk) updateSettings({ retrievalK: kValue, namespace: namespace.trim() });
        }}
      >
        <label htmlFor="retrieval-k">Memories retrieved per question (k)</label>
        <input
          id="retrieval-k"
          type="number"
          inputMode="numeric"
          min={RETRIEVAL_K_RANGE.min}
          max={RETRIEVAL_K_RANGE.max}
          value={k}
          onChange={(e) => setK(e.target.value)}
          aria-describedby="retrieval-k-note"
          aria-invalid={!kOk}
        />
        <p id="retrieval-k-note" className="note">
          The Answer Agent reads this many (Memory-R1 uses 60) and distills the few that matter; the explorer's search shows as many.
          {!kOk && ` Enter a whole number from ${RETRIEVAL_K_RANGE.min} to ${RETRIEVAL_K_RANGE.max}.`}
        </p>
        <label htmlFor="chat-namespace">Chat namespace</label>
        <input
          id="chat-namespace"
          list="known-namespaces"
          value={namespace}
          onChange={(e) => setNamespace(e.target.value)}
          aria-describedby="namespace-note"
          aria-invalid={!nsOk}
        />
        <datalist id="known-namespaces">
          {(namespaces ?? []).map((ns) => (
            <option key={ns} value={ns} />
          ))}
        </datalist>
        <p id="namespace-note" className="note">
          Whose memories the chat reads and writes (user:…, agent:…, session:…). Replays write to locomo:&lt;conversation&gt;.
        </p>
        <div className="row">
          <button type="submit" disabled={!kOk || !nsOk || (kValue === settings.retrievalK && namespace.trim() === settings.namespace)}>
            Save settings
          </button>
          <span className="meta" data-testid="settings-current">
            Now: k = {settings.retrievalK}, namespace {settings.namespace}
          </span>
        </div>
      </form>
    </section>
  );
}
