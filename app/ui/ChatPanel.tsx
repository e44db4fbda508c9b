import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useMemo, useRef, useState } from 'react';
import { createAnswerAgent } from '../agent/answerAgent';
import { createMemoryManager, type MemoryManagerEvent } from '../agent/memoryManager';
import type { EmbedWorkerClient } from '../embed/embedClient';
import { LLMError, type LLMClient } from '../llm/types';
import type { MemoryBank } from '../memory/memoryBank';
import type { TurnRecord } from '../memory/types';
import { answerSoFar } from '../chat/streamedAnswer';

interface ChatPanelProps {
  llm: LLMClient;
  embedder: EmbedWorkerClient;
  bank: MemoryBank;
  namespace: string;
  /** Memories the Answer Agent retrieves per question. */
  retrievalK: number;
  onManagerEvent: (event: MemoryManagerEvent, model: string) => void;
  /** Opens a memory in the bank explorer. */
  onOpenMemory: (id: string) => void;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * The chat: the Answer Agent answers from the memories it distills, then the turn goes to the Memory Manager in
 * the background (one turn after another); sending the next message never waits for memory writes.
 */
export function ChatPanel({ llm, embedder, bank, namespace, retrievalK, onManagerEvent, onOpenMemory }: ChatPanelProps) {
  const { db } = bank;
  const conversationId = `chat:${namespace}`;
  const turns = useLiveQuery(() => db.turns.where('conversationId').equals(conversationId).sortBy('at'), [db, conversationId]);
  const usedIds = useMemo(() => [...new Set((turns ?? []).flatMap((t) => t.usedMemoryIds ?? []))], [turns]);
  const usedMemories = useLiveQuery(() => db.memories.bulkGet(usedIds), [db, usedIds]);
  const memoryText = new Map((usedMemories ?? []).flatMap((m) => (m ? [[m.id, m.text] as const] : [])));

  const agents = useMemo(() => {
    const deps = { llm, embedder, bank };
    return {
      answer: createAnswerAgent(deps),
      manager: createMemoryManager(deps, { onEvent: (event) => onManagerEvent(event, llm.modelId) }),
    };
  }, [llm, embedder, bank, onManagerEvent]);
  const backlog = useRef<Promise<unknown>>(Promise.resolve());
  const [pending, setPending] = useState(0);
  const [draft, setDraft] = useState('');
  const [streaming, setStreaming] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  /** The message of a turn the chat engine died in, offered for a retry. */
  const [retryText, setRetryText] = useState<string | null>(null);
  const logRef = useRef<HTMLOListElement>(null);
  // Keep the newest message in view as turns arrive and the answer streams in.
  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [turns?.length, streaming]);

  async function send(retry?: string) {
    const text = (retry ?? draft).trim();
    if (!text) return;
    if (retry === undefined) setDraft('');
    setProblem('');
    setRetryText(null);
    const userTurn: TurnRecord = { id: crypto.randomUUID(), namespace, conversationId, speaker: 'User', role: 'user', text, at: Date.now(), sessionTime: today() };
    await db.turns.add(userTurn);
    const metrics = { turnId: userTurn.id, answerWallMs: 0, answerModelMs: 0, managerWallMs: 0, managerModelMs: 0 };
    const answerStarted = performance.now();
    try {
      setStreaming('');
      // Time-aware retrieval against today: "what did I do last week?" favours memories from then (bench:recall: +0.003
      // hybrid recall@10 on LoCoMo, never worse per category).
      const referenceDate = new Date().toISOString().slice(0, 10);
      const result = await agents.answer.answer({ question: text, namespaces: [namespace], mode: 'chat', k: retrievalK, referenceDate, onToken: (d) => setStreaming((s) => (s ?? '') + d) });
      await db.turns.add({
        id: crypto.randomUUID(),
        namespace,
        conversationId,
        speaker: 'Assistant',
        role: 'assistant',
        text: result.answer,
        at: Date.now(),
        sessionTime: today(),
        usedMemoryIds: result.usedMemoryIds,
      });
      metrics.answerWallMs = performance.now() - answerStarted;
      metrics.answerModelMs = result.call.timings.totalMs;
    } catch (error) {
      if (error instanceof LLMError && error.kind === 'engine-lost') {
        // Nothing of a turn the engine died in is kept (the bank stays as it was); the same message can be retried.
        await db.turns.delete(userTurn.id);
        setProblem(error.message);
        setRetryText(text);
        return;
      }
      setProblem(`No answer: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setStreaming(null);
    }
    // The turn is remembered in the background, after the answer; turns are processed in the order sent.
    setPending((n) => n + 1);
    backlog.current = backlog.current
      .then(async () => {
        const started = performance.now();
        const result = await agents.manager.processTurn({ speaker: 'User', text, sessionTime: userTurn.sessionTime!, turnId: userTurn.id, namespace });
        metrics.managerWallMs = performance.now() - started;
        metrics.managerModelMs = result.calls.reduce((sum, call) => sum + call.timings.totalMs, 0);
        globalThis.memoryR1?.chatMetrics.push(metrics);
      })
      .catch((error: unknown) => setProblem(`Remembering failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => setPending((n) => n - 1));
  }

  return (
    <section aria-labelledby="chat-title" className="panel">
      <h2 id="chat-title">Chat</h2>
      <ol className="chat-log" data-testid="chat-log" aria-label="Conversation" ref={logRef}>
        {(turns ?? []).map((t) => (
          <li key={t.id} className={t.role} data-role={t.role}>
            {t.text}
            {t.role === 'assistant' && (t.usedMemoryIds?.length ?? 0) > 0 && (
              <ul className="used" data-testid="used-memories" aria-label="Memories used for this answer">
                {t.usedMemoryIds!.map((id) => (
                  <li key={id} data-memory-id={id}>
                    <button type="button" className="link memory-link" onClick={() => onOpenMemory(id)} title="Open this memory in the explorer">
                      {memoryText.get(id) ?? '(memory since deleted)'}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
        {streaming !== null && (
          <li className="assistant" data-testid="streaming-answer" aria-busy="true">
            {answerSoFar(streaming) || '…'}
          </li>
        )}
      </ol>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label htmlFor="chat-input" className="visually-hidden">
          Message
        </label>
        <input id="chat-input" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Tell me something, or ask what I remember" />
        <button type="submit" disabled={streaming !== null || !draft.trim()} data-testid="send">
          Send
        </button>
      </form>
      <p className="meta" role="status" data-testid="manager-status">
        {pending > 0 ? `Remembering ${pending} turn${pending === 1 ? '' : 's'} in the background…` : 'Memory up to date'}
      </p>
      {problem && (
        <p role="alert" className="error" data-testid="chat-problem">
          {problem}
          {retryText !== null && (
            <button type="button" onClick={() => void send(retryText)} disabled={streaming !== null} data-testid="retry-turn">
              Retry
            </button>
          )}
        </p>
      )}
    </section>
  );
}
