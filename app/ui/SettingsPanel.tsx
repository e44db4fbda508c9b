import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import { DEFAULT_LATENCY_BUDGET_S } from '../agent/answerAgent';
import type { MemoryDB } from '../memory/db';
import { isLatencyBudget, LATENCY_BUDGET_RANGE, RETRIEVAL_K_RANGE, type Settings } from './settings';

interface SettingsPanelProps {
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  db: MemoryDB | null;
}

function budgetText(seconds: number): string {
  return seconds === 0 ? 'off' : `${seconds} s`;
}

/**
 * Retrieval and namespace settings: how many memories the Answer Agent reads, how long the engine may take to read
 * them, and whose memories the chat uses.
 */
export function SettingsPanel({ settings, updateSettings, db }: SettingsPanelProps) {
  const namespaces = useLiveQuery(async () => (db ? ((await db.memories.orderBy('namespace').uniqueKeys()) as string[]) : []), [db]);
  const [k, setK] = useState(String(settings.retrievalK));
  const [namespace, setNamespace] = useState(settings.namespace);
  const kValue = Number(k);
  const kOk = Number.isInteger(kValue) && kValue >= RETRIEVAL_K_RANGE.min && kValue <= RETRIEVAL_K_RANGE.max;
  const nsOk = namespace.trim().length > 0;
  const [budgetOff, setBudgetOff] = useState(settings.latencyBudgetS === 0);
  const [budget, setBudget] = useState(String(settings.latencyBudgetS === 0 ? DEFAULT_LATENCY_BUDGET_S : settings.latencyBudgetS));
  const budgetValue = budgetOff ? 0 : budget.trim() === '' ? Number.NaN : Number(budget);
  const budgetOk = budgetOff || (isLatencyBudget(budgetValue) && budgetValue !== 0);
  const unchanged = kValue === settings.retrievalK && namespace.trim() === settings.namespace && budgetValue === settings.latencyBudgetS;
  return (
    <section aria-labelledby="settings-title" className="panel">
      <h2 id="settings-title">Retrieval and namespaces</h2>
      <form
        className="settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (kOk && nsOk && budgetOk) updateSettings({ retrievalK: kValue, namespace: namespace.trim(), latencyBudgetS: budgetValue });
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
        <label htmlFor="latency-budget">Latency budget for reading them (seconds)</label>
        <div className="row">
          <input
            id="latency-budget"
            type="number"
            inputMode="decimal"
            min={LATENCY_BUDGET_RANGE.min}
            max={LATENCY_BUDGET_RANGE.max}
            step={0.5}
            value={budget}
            onChange={(e) => setBudget(e.target.value)}
            disabled={budgetOff}
            aria-describedby="latency-budget-note"
            aria-invalid={!budgetOk}
          />
          <label>
            <input type="checkbox" checked={budgetOff} onChange={(e) => setBudgetOff(e.target.checked)} data-testid="latency-budget-off" /> Off
          </label>
        </div>
        <p id="latency-budget-note" className="note">
          On an engine too slow to read all k memories in this time (by its measured prompt speed), the Answer Agent lists fewer, the best ranked; each answer
          says how many it considered. Off: all k, however long reading them takes.
          {!budgetOk && ` Enter seconds from ${LATENCY_BUDGET_RANGE.min} to ${LATENCY_BUDGET_RANGE.max}, or tick Off.`}
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
          <button type="submit" disabled={!kOk || !nsOk || !budgetOk || unchanged}>
            Save settings
          </button>
          <span className="meta" data-testid="settings-current">
            Now: k = {settings.retrievalK}, latency budget {budgetText(settings.latencyBudgetS)}, namespace {settings.namespace}
          </span>
        </div>
      </form>
    </section>
  );
}
