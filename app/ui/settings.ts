import { useCallback, useEffect, useState } from 'react';
import { DEFAULT_ANSWER_K, DEFAULT_LATENCY_BUDGET_S } from '../agent/answerAgent';
import { DEFAULT_EMBEDDING_MODEL_ID } from '../embed/embeddingModels';
import type { CustomModelSpec } from '../llm/customModel';
import type { BrowserEngine } from '../llm/engineChoice';

export interface Settings {
  /** '' = real remote sources; otherwise a base URL on this origin that holds the model files. */
  modelBaseUrl: string;
  engineOverride: BrowserEngine | null;
  chatModelId: string | null;
  embeddingModelId: string;
  /** Whose memories the chat reads and writes (mem0's user_id / agent_id / run_id). */
  namespace: string;
  /** Where the chat model runs: in this browser, or on an OpenAI-compatible server the user points at. */
  backend: 'browser' | 'openai-compatible';
  openaiBaseUrl: string;
  openaiModel: string;
  /** Kept in this browser's localStorage only; sent only to openaiBaseUrl. */
  openaiApiKey: string;
  /** How many memories the Answer Agent and the explorer's search retrieve (Memory-R1: 60). */
  retrievalK: number;
  /**
   * Seconds the engine may spend reading the Answer Agent's prompt: on an engine too slow to read k memories in
   * time, fewer are listed (the answer says how many). 0: off, all k are listed however long that takes.
   */
  latencyBudgetS: number;
  /** Chat models the user added by URL (their fine-tunes); rebuilt and re-validated by readCustomModels. */
  customModels: CustomModelSpec[];
}

export const RETRIEVAL_K_RANGE = { min: 1, max: 200 } as const;
/** A budget, when on (0 is off): from half a second to ten minutes. */
export const LATENCY_BUDGET_RANGE = { min: 0.5, max: 600 } as const;

/** Whether `value` is a latency budget the Answer Agent takes: 0 (off) or seconds within the range. */
export function isLatencyBudget(value: unknown): value is number {
  return typeof value === 'number' && (value === 0 || (value >= LATENCY_BUDGET_RANGE.min && value <= LATENCY_BUDGET_RANGE.max));
}

const KEY = 'memory-r1.settings.v1';

// Tests (and anyone serving their own model files) set VITE_MODEL_BASE_URL at build/serve time.
const ENV_BASE_URL: string = import.meta.env.VITE_MODEL_BASE_URL ?? '';

export function defaultSettings(): Settings {
  return {
    modelBaseUrl: ENV_BASE_URL,
    engineOverride: null,
    chatModelId: null,
    embeddingModelId: DEFAULT_EMBEDDING_MODEL_ID,
    namespace: 'user:me',
    backend: 'browser',
    openaiBaseUrl: 'http://127.0.0.1:8089/v1',
    openaiModel: '',
    openaiApiKey: '',
    retrievalK: DEFAULT_ANSWER_K,
    latencyBudgetS: DEFAULT_LATENCY_BUDGET_S,
    customModels: [],
  };
}

function readSettings(): Settings {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return defaultSettings();
    const stored = { ...defaultSettings(), ...(JSON.parse(raw) as Partial<Settings>) };
    // A hand-edited or older stored value the agent cannot take falls back to the default.
    return isLatencyBudget(stored.latencyBudgetS) ? stored : { ...stored, latencyBudgetS: DEFAULT_LATENCY_BUDGET_S };
  } catch {
    return defaultSettings();
  }
}

/** The hooks of this page, told when a wipe removed the stored settings, so none writes its copy back. */
const forgetListeners = new Set<() => void>();

/** After a wipe: every `useSettings` of this page drops to the defaults (localStorage is already cleared). */
export function forgetSettings(): void {
  for (const listener of forgetListeners) listener();
}

export function useSettings(): [Settings, (patch: Partial<Settings>) => void] {
  const [settings, setSettings] = useState<Settings>(readSettings);
  useEffect(() => {
    const reset = () => setSettings(defaultSettings());
    forgetListeners.add(reset);
    return () => {
      forgetListeners.delete(reset);
    };
  }, []);
  const update = useCallback((patch: Partial<Settings>) => {
    setSettings((current) => {
      const next = { ...current, ...patch };
      try {
        localStorage.setItem(KEY, JSON.stringify(next));
      } catch {
        // Storage full or blocked: the setting still applies for this session.
      }
      return next;
    });
  }, []);
  return [settings, update];
}
