/**
 * The Evaluation page: the LoCoMo runner (app/eval) on the chat model and embedder this tab has loaded. The user
 * picks the LoCoMo file (nothing of the dataset ships with the app), the split, the pipelines and how much to run —
 * the in-browser engine reads ~27 prompt tokens a second on a CPU, so the first few turns and questions are the
 * useful size here; the CLI (`npm run eval`) is for whole splits. The runner's bank is an IndexedDB database of its
 * own (`memory-r1-eval`), so the user's memories are never touched. Stopping keeps the checkpoint: Resume continues.
 *
 * The judge is chosen, never implied: none, or the loaded model grading its own answers, said so on the result.
 * Prompts are read in full unless the user opts into the prompt cache (then two runs may differ by a token).
 * Every run is stored in the app's database (`evalRuns`) as it goes, listed under the form, and two stored runs
 * can be set side by side — a base model's and a trained model's: one chat model is loaded at a time, so the
 * comparison is between their runs.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EmbedWorkerClient } from '../../embed/embedClient';
import { openEvalBank } from '../../eval/evalBank';
import { selectQuestions } from '../../eval/evalQuestions';
import { describeJudge, describeSkipped, type QuestionResult, summarizePipeline } from '../../eval/evalResults';
import { type EvalCheckpoint, type EvalProgress, type EvalReport, type EvalRunConfig, forScoring, runEvaluation } from '../../eval/evalRunner';
import { createLlmJudge } from '../../eval/judge';
import { type LocomoConversation, parseLocomo } from '../../eval/locomo';
import { DEFAULT_PIPELINE_SETTINGS, PIPELINE_NAMES, type PipelineName } from '../../eval/pipelines/evalPipeline';
import { PIPELINES } from '../../eval/pipelines/pipelines';
import { EVAL_SPLITS, type EvalSplit, selectSplit } from '../../eval/splits';
import type { LLMClient } from '../../llm/types';
import { MemoryDB } from '../../memory/db';
import { CategoryBarChart } from './CategoryBarChart';
import { newRunId, type StoredRunConfig, saveRun } from './evalRunStore';
import { PastRuns } from './PastRuns';
import { QuestionTable } from './QuestionTable';
import './evaluation.css';

export interface EvaluationPageProps {
  llm: LLMClient | null;
  embedder: EmbedWorkerClient | null;
}

const EVAL_DB_NAME = 'memory-r1-eval';
/** The in-browser engines' context is what the app asks for when it loads a model; 2048 fits both. */
const BROWSER_CONTEXT_TOKENS = 2048;

type JudgeChoice = 'none' | 'self';

/** Labels for the known pipelines; one added later shows its name. */
const PIPELINE_LABELS: Partial<Record<string, string>> = {
  ours: 'ours (Memory Manager + Answer Agent)',
  mem0: 'mem0-style (facts + heuristic update)',
  rag: 'naive RAG (top-k turns)',
  full: 'full context',
  evidence: 'Answer Agent over evidence observations (the training prompts)',
};

/** FNV-1a of the file's text: a checkpoint is resumed only on the same data. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function splitChoices(conversations: readonly LocomoConversation[]): EvalSplit[] {
  return EVAL_SPLITS.filter((s) => {
    try {
      selectSplit(conversations, s);
      return true;
    } catch {
      return false;
    }
  });
}

function positiveOrNull(text: string): number | null {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n > 0 ? n : null;
}

function EvaluationPage({ llm, embedder }: EvaluationPageProps) {
  const [data, setData] = useState<{ name: string; id: string; conversations: LocomoConversation[] } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [split, setSplit] = useState<EvalSplit>('val');
  const [pipelines, setPipelines] = useState<PipelineName[]>(['ours', 'rag']);
  const [maxTurns, setMaxTurns] = useState('4');
  const [limit, setLimit] = useState('3');
  const [judgeChoice, setJudgeChoice] = useState<JudgeChoice>('none');
  const [promptCache, setPromptCache] = useState(false);
  const [progress, setProgress] = useState<EvalProgress | null>(null);
  const [results, setResults] = useState<QuestionResult[]>([]);
  const [report, setReport] = useState<EvalReport | null>(null);
  const [running, setRunning] = useState(false);
  const abortRef = useRef<AbortController | null>(null);
  const checkpointRef = useRef<EvalCheckpoint | null>(null);
  /** The stored run a Resume continues. */
  const runRef = useRef<{ id: string; startedAt: number } | null>(null);
  const db = useEvalRunsDb();

  const config: EvalRunConfig | null = useMemo(() => {
    if (!data || !llm) return null;
    return {
      data: `${data.name}#${data.id}`,
      split,
      pipelines: PIPELINE_NAMES.filter((p) => pipelines.includes(p)),
      limit: positiveOrNull(limit),
      maxTurns: positiveOrNull(maxTurns),
      settings: { ...DEFAULT_PIPELINE_SETTINGS, contextTokens: BROWSER_CONTEXT_TOKENS },
      model: llm.modelId,
      judgeModel: judgeChoice === 'self' ? llm.modelId : null,
      promptCache,
    };
  }, [data, llm, split, pipelines, limit, maxTurns, judgeChoice, promptCache]);

  const planned = useMemo(() => {
    if (!data || !config) return null;
    try {
      return selectQuestions(selectSplit(data.conversations, split), { maxTurns: config.maxTurns, limit: config.limit });
    } catch {
      return null;
    }
  }, [data, config, split]);

  const resumable = checkpointRef.current !== null && config !== null && JSON.stringify(checkpointRef.current.config) === JSON.stringify(config) && !report;

  async function onFile(file: File | undefined) {
    if (!file) return;
    setProblem(null);
    try {
      const text = await file.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`${file.name} is not JSON: pick LoCoMo's locomo10.json (or a file in its format)`);
      }
      const conversations = parseLocomo(json);
      const choices = splitChoices(conversations);
      setData({ name: file.name, id: fingerprint(text), conversations });
      if (!choices.includes(split)) setSplit(choices[0] ?? 'all');
      checkpointRef.current = null;
      setResults([]);
      setReport(null);
      setProgress(null);
    } catch (error) {
      setData(null);
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  async function run() {
    if (!data || !config || !llm || !embedder) return;
    if (config.pipelines.length === 0) {
      setProblem('pick at least one pipeline');
      return;
    }
    setProblem(null);
    const resume = resumable ? checkpointRef.current : null;
    if (!resume) {
      checkpointRef.current = null;
      setResults([]);
    }
    const planned = selectQuestions(selectSplit(data.conversations, split), { maxTurns: config.maxTurns, limit: config.limit });
    // The pipelines' prompt versions are stored with the run, as the CLI's report carries them: a comparison refuses
    // two runs that ran other prompts.
    const descriptions = Object.fromEntries(config.pipelines.map((n) => [n, PIPELINES[n].description]));
    const stored: StoredRunConfig = { ...config, questions: planned.questions.length, skipped: planned.skipped, descriptions };
    if (!resume || !runRef.current) {
      const startedAt = Date.now();
      runRef.current = { id: newRunId(startedAt), startedAt };
    }
    const runId = runRef.current;
    let soFar: QuestionResult[] = resume ? [...resume.results] : [];
    const store = (status: 'running' | 'done' | 'stopped' | 'failed', finished: boolean) =>
      db ? saveRun(db, { ...runId, finishedAt: finished ? Date.now() : null, status, config: stored, results: soFar }) : Promise.resolve();
    setReport(null);
    setProgress(null);
    setRunning(true);
    const abort = new AbortController();
    abortRef.current = abort;
    const evalBank = await openEvalBank({ name: EVAL_DB_NAME, dims: embedder.dims });
    try {
      await store('running', false);
      const finished = await runEvaluation({
        conversations: selectSplit(data.conversations, split),
        config,
        deps: { llm, embedder },
        evalBank,
        judge: config.judgeModel ? createLlmJudge(forScoring(llm, config.promptCache)) : null,
        checkpoint: resume,
        saveCheckpoint: (cp) => {
          checkpointRef.current = cp;
        },
        onProgress: setProgress,
        onResult: (r) => {
          soFar = [...soFar, r];
          setResults(soFar);
          store('running', false).catch((error: unknown) =>
            setProblem(`This run could not be stored: ${error instanceof Error ? error.message : String(error)}`),
          );
        },
        // Progress and a checkpoint after every turn: a browser turn takes tens of seconds.
        ingestChunkTurns: 1,
        signal: abort.signal,
      });
      soFar = finished.results;
      setReport(finished);
      setResults(finished.results);
      await store('done', true);
    } catch (error) {
      setProblem(abort.signal.aborted ? 'Stopped. Resume continues where it stopped.' : error instanceof Error ? error.message : String(error));
      await store(abort.signal.aborted ? 'stopped' : 'failed', true).catch(() => undefined);
    } finally {
      evalBank.close();
      setRunning(false);
      abortRef.current = null;
    }
  }

  const summaries = useMemo(
    () => (config ? config.pipelines.map((p) => summarizePipeline(p, results, null)).filter((s) => s.overall.questions > 0) : []),
    [config, results],
  );
  const downloadUrl = useMemo(() => (report ? URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' })) : null), [report]);
  const needs = !llm || !embedder;

  return (
    <section className="panel" aria-labelledby="eval-title">
      <h2 id="eval-title">Evaluation on LoCoMo</h2>
      <p className="note">
        Runs the compared pipelines on the chat model and embedding model loaded in this tab, scores every answer (F1, BLEU-1, LoCoMo's F1, exact match and, if
        chosen, J from a judge) and keeps the memories in a database of its own. In-browser engines are slow: a few turns and questions take minutes. Every run
        is kept below, so a base model's run and a trained model's can be compared side by side.
      </p>
      {needs && (
        <p className="note" data-testid="eval-needs">
          Load a chat model and the embedding model (below) to run an evaluation.
        </p>
      )}
      <label>
        LoCoMo file (locomo10.json)
        <input type="file" accept=".json,application/json" data-testid="eval-file" disabled={running} onChange={(e) => void onFile(e.target.files?.[0])} />
      </label>
      {data && (
        <p className="meta" data-testid="eval-data">
          {data.name}: {data.conversations.length} conversations ({data.conversations.map((c) => c.sampleId).join(', ')})
        </p>
      )}
      {problem && (
        <p role="alert" className="error" data-testid="eval-problem">
          {problem}
        </p>
      )}
      {data && (
        <div className="eval-form">
          <label>
            Split (Memory-R1: train conv-26, val conv-30, test the rest)
            <select data-testid="eval-split" value={split} disabled={running} onChange={(e) => setSplit(e.target.value as EvalSplit)}>
              {splitChoices(data.conversations).map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Ingest only the first N turns (empty: all)
            <input data-testid="eval-max-turns" inputMode="numeric" value={maxTurns} disabled={running} onChange={(e) => setMaxTurns(e.target.value)} />
          </label>
          <label>
            At most N questions (empty: all)
            <input data-testid="eval-limit" inputMode="numeric" value={limit} disabled={running} onChange={(e) => setLimit(e.target.value)} />
          </label>
          <fieldset disabled={running}>
            <legend>Pipelines</legend>
            {PIPELINE_NAMES.map((p) => (
              <label key={p}>
                <input
                  type="checkbox"
                  data-testid={`eval-pipeline-${p}`}
                  checked={pipelines.includes(p)}
                  onChange={(e) => setPipelines((list) => (e.target.checked ? [...list, p] : list.filter((x) => x !== p)))}
                />
                {PIPELINE_LABELS[p] ?? p}
              </label>
            ))}
          </fieldset>
          <label>
            Judge (J)
            <select data-testid="eval-judge" value={judgeChoice} disabled={running} onChange={(e) => setJudgeChoice(e.target.value as JudgeChoice)}>
              <option value="none">no judge (no J)</option>
              <option value="self">{`the loaded model grades its own answers${llm ? ` (${llm.modelId})` : ''}`}</option>
            </select>
          </label>
          <label className="eval-check">
            <span>
              <input
                type="checkbox"
                data-testid="eval-prompt-cache"
                checked={promptCache}
                disabled={running}
                onChange={(e) => setPromptCache(e.target.checked)}
              />{' '}
              prompt cache (faster; two runs may differ by a token)
            </span>
          </label>
        </div>
      )}
      {planned && (
        <p className="meta" data-testid="eval-plan">
          {planned.questions.length} questions × {config?.pipelines.length ?? 0} pipelines; skipped: {describeSkipped(planned.skipped)}
        </p>
      )}
      {judgeChoice === 'self' && <p className="note">A small model grading its own answers tends to call them all CORRECT: read J with that in mind.</p>}
      <div className="eval-actions">
        <button
          type="button"
          data-testid="eval-run"
          disabled={!data || needs || running || !planned || planned.questions.length === 0}
          onClick={() => void run()}
        >
          {resumable && !running ? 'Resume' : 'Run evaluation'}
        </button>
        <button type="button" data-testid="eval-stop" disabled={!running} onClick={() => abortRef.current?.abort()}>
          Stop
        </button>
        {downloadUrl && (
          <a href={downloadUrl} download="locomo-eval-results.json" data-testid="eval-download">
            Download results (JSON)
          </a>
        )}
      </div>
      {(running || progress) && (
        <div className="progress" data-testid="eval-progress">
          {progress ? <progress max={progress.total} value={progress.done} /> : <progress />}
          <span data-testid="eval-status">
            {!progress
              ? 'Starting: the first turn or answer is on its way…'
              : `${report ? 'Done' : running ? `${progress.pipeline} · ${progress.sampleId} · ${progress.phase === 'ingest' ? 'ingesting turns' : 'answering'}` : 'Stopped'} — ${progress.done}/${progress.total}`}
          </span>
        </div>
      )}
      {config && summaries.length > 0 && (
        <p className="meta" data-testid="eval-run-info">
          Model {config.model}; judge: {describeJudge(config)}; prompt cache {config.promptCache ? 'on (two runs may differ by a token)' : 'off (reproducible)'}
          .
        </p>
      )}
      {summaries.length > 0 && <CategoryBarChart summaries={summaries} />}
      {summaries.length > 0 && (
        <table className="eval-table" data-testid="eval-summary">
          <thead>
            <tr>
              <th>pipeline</th>
              <th>questions</th>
              <th>F1 %</th>
              <th>BLEU-1 %</th>
              <th>LoCoMo F1 %</th>
              <th>EM %</th>
              <th>J %</th>
              <th>tokens / question</th>
              <th>latency p50 / p95</th>
            </tr>
          </thead>
          <tbody>
            {summaries.map((s) => (
              <tr key={s.pipeline} data-pipeline={s.pipeline}>
                <td>{s.pipeline}</td>
                <td className="num">{s.overall.questions}</td>
                <td className="num">{(100 * s.overall.f1).toFixed(1)}</td>
                <td className="num">{(100 * s.overall.bleu1).toFixed(1)}</td>
                <td className="num">{(100 * s.overall.locomoF1).toFixed(1)}</td>
                <td className="num">{(100 * s.overall.exactMatch).toFixed(1)}</td>
                <td className="num">{s.overall.judge === null ? '–' : (100 * s.overall.judge).toFixed(1)}</td>
                <td className="num">{s.tokensPerQuestion.toFixed(0)}</td>
                <td className="num">
                  {(s.latencyP50Ms / 1000).toFixed(1)} s / {(s.latencyP95Ms / 1000).toFixed(1)} s
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {results.length > 0 && <QuestionTable results={results} />}
      {db && <PastRuns db={db} disabled={running} />}
    </section>
  );
}

/** The app's database, for the stored runs (a connection of the page's own, closed when it goes). */
function useEvalRunsDb(): MemoryDB | null {
  const [db, setDb] = useState<MemoryDB | null>(null);
  useEffect(() => {
    const opened = new MemoryDB();
    setDb(opened);
    return () => opened.close();
  }, []);
  return db;
}

export default EvaluationPage;
