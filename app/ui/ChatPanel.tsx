import { useLiveQuery } from 'dexie-react-hooks';
import { type KeyboardEvent, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ChatSession } from '../chat/chatSession';
import type { MemoryDB } from '../memory/db';
import type { TurnRecord } from '../memory/types';
import { ConversationList } from './chat/ConversationList';
import { Markdown } from './chat/Markdown';
import { MessageActions } from './chat/MessageActions';

interface ChatPanelProps {
  session: ChatSession;
  namespace: string;
  /** Both models are loaded: messages can be sent. The history shows before. */
  modelsReady: boolean;
  /** Opens a memory in the bank explorer. */
  onOpenMemory: (id: string) => void;
  /** The chat is in use (a message sent, or models ready over an existing chat): the model panels can fold away. */
  onChatting: () => void;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The chat: renders what the chat session stores (conversations and turns, through useLiveQuery) and what it is
 * doing (the answer streaming in, the backlog), and calls its methods. The turn's logic is in app/chat.
 */
export function ChatPanel({ session, namespace, modelsReady, onOpenMemory, onChatting }: ChatPanelProps) {
  const { db } = session.bank;
  const live = useSyncExternalStore(session.subscribe, session.snapshot);
  const conversations = useLiveQuery(() => db.conversations.where('namespace').equals(namespace).reverse().sortBy('updatedAt'), [db, namespace]);
  const [chosenId, setChosenId] = useState<string | null>(null);
  // The chosen chat while it exists; else the most recent one (after a reload, a delete or a wipe).
  const activeId = conversations?.some((c) => c.id === chosenId) ? chosenId : (conversations?.[0]?.id ?? null);
  const turns = useLiveQuery(async () => (activeId ? db.turns.where('conversationId').equals(activeId).sortBy('at') : []), [db, activeId]);
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState('');
  const logRef = useRef<HTMLOListElement>(null);
  const answering = live.answering && live.answering.conversationId === activeId ? live.answering : null;
  const busy = live.answering !== null;

  // Keep the newest message in view as turns arrive and the answer streams in.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the dependencies are what should re-run it (a new turn, a longer answer), not what it reads
  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [turns?.length, answering?.text, activeId]);
  const hasTurns = (turns?.length ?? 0) > 0;
  useEffect(() => {
    if (modelsReady && hasTurns) onChatting();
  }, [modelsReady, hasTurns, onChatting]);

  async function run(task: () => Promise<void>) {
    setProblem('');
    try {
      await task();
    } catch (error) {
      setProblem(errorText(error));
    }
  }

  async function send() {
    const text = draft.trim();
    if (!text || busy || !modelsReady) return;
    onChatting();
    setDraft('');
    await run(async () => {
      const id = activeId ?? (await session.createConversation(namespace)).id;
      setChosenId(id);
      await session.send(id, text);
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends; Shift+Enter is a new line (and Enter while composing with an IME stays the IME's).
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  }

  const lastAnswerId = turns?.findLast((t) => t.role === 'assistant')?.id;
  const sessionProblem = live.problem && (live.problem.conversationId === null || live.problem.conversationId === activeId) ? live.problem : null;

  return (
    <section aria-labelledby="chat-title" className="panel chat">
      <h2 id="chat-title">Chat</h2>
      <div className="chat-layout">
        <ConversationList
          conversations={conversations ?? []}
          activeId={activeId}
          onSelect={setChosenId}
          onNew={() => void run(async () => setChosenId((await session.createConversation(namespace)).id))}
          onRename={(id, title) => void run(() => session.renameConversation(id, title))}
          onDelete={(id) => void run(() => session.deleteConversation(id))}
          deleteNote="Its messages are removed for good; memories made from them stay in the bank."
          disabled={busy}
        />
        <div className="chat-main">
          <ol className="chat-log" data-testid="chat-log" aria-label="Conversation" ref={logRef}>
            {(turns ?? []).map((t) => (
              <li key={t.id} className={t.role} data-role={t.role} data-turn-id={t.id}>
                {t.role === 'assistant' ? (
                  <AnswerTurn
                    turn={t}
                    db={db}
                    onOpenMemory={onOpenMemory}
                    onRegenerate={t.id === lastAnswerId && modelsReady ? () => void run(() => session.regenerate(t.id)) : undefined}
                    busy={busy}
                  />
                ) : (
                  <span className="user-text">{t.text}</span>
                )}
              </li>
            ))}
            {answering && (
              <li className="assistant" data-testid="streaming-answer" aria-busy="true">
                {answering.regenerating && <p className="note">Writing the answer again…</p>}
                {answering.text || '…'}
              </li>
            )}
          </ol>
          {!modelsReady && (
            <p className="note" data-testid="chat-needs">
              {hasTurns ? 'The chat is here as you left it; ' : ''}Load a chat model and the embedding model below to chat with memory.
            </p>
          )}
          <form
            className="row chat-input"
            onSubmit={(e) => {
              e.preventDefault();
              void send();
            }}
          >
            <label htmlFor="chat-input" className="visually-hidden">
              Message
            </label>
            <textarea
              id="chat-input"
              rows={2}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={onKeyDown}
              placeholder="Tell me something, or ask what I remember (Enter sends, Shift+Enter for a new line)"
              disabled={!modelsReady}
            />
            {busy ? (
              <button type="button" onClick={() => session.stopAnswer()} data-testid="stop-answer">
                Stop
              </button>
            ) : (
              <button type="submit" disabled={!modelsReady || !draft.trim()} data-testid="send">
                Send
              </button>
            )}
          </form>
          <div className="row meta" role="status" data-testid="manager-status-row">
            <span data-testid="manager-status">{managerStatus(live)}</span>
            {live.backlog > 0 && (
              <button type="button" className="link" onClick={() => session.stopRemembering()} data-testid="stop-remembering">
                Stop remembering
              </button>
            )}
          </div>
          {(problem || sessionProblem) && (
            <p role="alert" className="error" data-testid="chat-problem">
              {problem || sessionProblem!.message}
              {!problem && sessionProblem?.retryText && activeId && (
                <button type="button" onClick={() => void run(() => session.retry(activeId))} disabled={busy || !modelsReady} data-testid="retry-turn">
                  Retry
                </button>
              )}
            </p>
          )}
        </div>
      </div>
    </section>
  );
}

function managerStatus(live: ReturnType<ChatSession['snapshot']>): string {
  if (live.backlog === 0) return 'Memory up to date';
  const plural = (n: number) => (n === 1 ? '' : 's');
  if (!live.modelsReady) {
    const earlier = live.earlier === live.backlog ? 'earlier ' : '';
    return `${live.backlog} ${earlier}turn${plural(live.backlog)} waiting for the models to be remembered`;
  }
  // Turns an earlier page left waiting (a reload mid-backlog), then this page's.
  const recent = live.backlog - live.earlier;
  const what = [
    ...(live.earlier > 0 ? [`${live.earlier} earlier turn${plural(live.earlier)}`] : []),
    ...(recent > 0 ? [recent === 1 ? 'the last turn' : `the last ${recent} turns`] : []),
  ].join(' and ');
  if (live.remembering?.waitingForAnswer || live.answering) return `Answering first; then remembering ${what}…`;
  return `Remembering ${what}…`;
}

interface AnswerTurnProps {
  turn: TurnRecord;
  db: MemoryDB;
  onOpenMemory: (id: string) => void;
  onRegenerate: (() => void) | undefined;
  busy: boolean;
}

/** An answer: markdown (raw HTML off), its sources as the Answer Agent saw them with a link to their current version. */
function AnswerTurn({ turn, db, onOpenMemory, onRegenerate, busy }: AnswerTurnProps) {
  const ids = useMemo(() => turn.sources?.map((s) => s.memoryId) ?? turn.usedMemoryIds ?? [], [turn]);
  const current = useLiveQuery(() => db.memories.bulkGet(ids), [db, ids]);
  const currentById = new Map((current ?? []).flatMap((m) => (m ? [[m.id, m] as const] : [])));
  return (
    <>
      <Markdown text={turn.text} />
      {turn.stopped && <p className="note">Stopped before the answer was finished.</p>}
      {ids.length > 0 && (
        <ul className="used" data-testid="used-memories" aria-label="Memories used for this answer">
          {ids.map((id) => {
            const seen = turn.sources?.find((s) => s.memoryId === id);
            const now = currentById.get(id);
            const changed = seen && now && now.updatedAt > seen.updatedAt;
            return (
              // Memory text is data: plain text, never markdown or HTML.
              <li key={id} data-memory-id={id}>
                <span className="source-text">{seen?.text ?? now?.text ?? '(memory since deleted)'}</span>{' '}
                {now ? (
                  <button
                    type="button"
                    className="link memory-link"
                    onClick={() => onOpenMemory(id)}
                    title="Open this memory in the explorer"
                    data-testid="open-source"
                  >
                    {changed ? 'changed since: see the current version' : 'open'}
                  </button>
                ) : (
                  current && <span className="note">(deleted since)</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {turn.considered?.why && (
        <p className="meta considered" data-testid="considered">
          Considered {turn.considered.why}
        </p>
      )}
      <MessageActions text={turn.text} {...(onRegenerate ? { onRegenerate } : {})} disabled={busy} />
    </>
  );
}
