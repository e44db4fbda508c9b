/**
 * The chat's turn, with no React: conversations, the user's and the assistant's turns, the Memory Manager's
 * backlog, engine-loss recovery and per-turn metrics. Everything that lasts is written to the bank's database
 * (turns, conversations, the op stream); views render it with useLiveQuery and show the little that does not
 * last (the answer streaming in, the backlog's state) through `subscribe`/`snapshot`.
 *
 * Answers first. One engine serves both agents, and a question should not wait for the previous turn to be
 * remembered: a question aborts the manager's model call in flight, is answered, and then the manager goes on.
 * It resumes at the step that was cut off (facts extracted before the cut are kept; the memory-update step is
 * asked again), and the engine's prompt cache makes the re-read of that step's prompt cheap. An abort only ever
 * cuts a model call, never the bank's write, so a re-run step never applies a batch twice.
 *
 * Chat and Replay both remember turns through `remember`, so a replay's turns also yield to questions.
 *
 * The backlog outlives the page. A chat turn is stored with `memoryPendingSince` and keeps it until its outcome
 * (applied, rejected, skipped, failed or stopped) is stored; the next session queues every turn still carrying it,
 * oldest first, and remembers them once models are loaded ("remembering 2 earlier turns…"). A session claims a
 * turn before remembering it (turnClaims.ts), so two tabs never remember one turn; and a turn whose batch the bank
 * already holds (the page died after the commit, before the turn was marked) is not remembered again: its history
 * rows carry its id, and the op stream gets the applied batch read back from them. Replayed turns are not marked:
 * the replay stores its own position and plays an unfinished turn again.
 */
import { type AnswerResult, createAnswerAgent } from '../agent/answerAgent';
import {
  createMemoryManager,
  type FactExtraction,
  MEMORY_MANAGER_PROMPT_VERSION,
  type MemoryManagerEvent,
  type MemoryManagerOptions,
  type MemoryManagerResult,
} from '../agent/memoryManager';
import type { Embedder } from '../embed/embedder';
import { type LLMClient, LLMError } from '../llm/types';
import type { ConversationRecord, OpEventRecord } from '../memory/db';
import type { MemoryBank } from '../memory/memoryBank';
import type { SourceSnapshot, TurnRecord } from '../memory/types';
import { localIsoDate } from './localDate';
import { isStoredEvent } from './opEvents';
import { orderedId } from './orderedId';
import { answerSoFar } from './streamedAnswer';
import { defaultTurnClaims, type ReleaseClaim, type TurnClaims } from './turnClaims';

export interface ChatModels {
  llm: LLMClient;
  embedder: Pick<Embedder, 'embed'>;
}

export interface ChatSessionOptions {
  bank: MemoryBank;
  /** Memories the Answer Agent retrieves per question (default: the agent's). */
  retrievalK?: () => number | undefined;
  /** Today's local date (YYYY-MM-DD); a parameter for tests. */
  today?: () => string;
  /**
   * Each chat turn's timings, once its answer is stored and it is remembered (a regenerated answer: once stored).
   * The developer console, bench:overhead and bench:chat read them.
   */
  onMetrics?: (metrics: ChatTurnMetrics) => void;
  /** Seconds the engine may spend reading the answer prompt (0: no budget, list all k); default: the agent's. */
  latencyBudgetS?: () => number | undefined;
  /** Which session may remember a stored turn (default: Web Locks, else this process). A parameter for tests. */
  claims?: TurnClaims;
}

/** Per chat turn: the answer's time to first token and wall time, and remembering's wall and model time. */
export interface ChatTurnMetrics {
  turnId: string;
  /** From send to the first streamed token of the answer. */
  ttftMs: number;
  answerWallMs: number;
  answerModelMs: number;
  /** Whether a Memory Manager call was cut off for this answer. */
  preemptedManager: boolean;
  managerWallMs: number;
  managerModelMs: number;
}

/** What is going on right now and does not last: views show it next to what the database holds. */
export interface ChatSnapshot {
  /** The answer being written, as far as it has come (the streamed JSON's `answer` field). */
  answering: { conversationId: string; userTurnId: string; question: string; text: string; regenerating: boolean } | null;
  /** Turns waiting to be remembered, the one in progress included. */
  backlog: number;
  /** Of those, the turns queued by an earlier page (found waiting in the database when this session started). */
  earlier: number;
  /** The turn the Memory Manager is on, and whether it is waiting for an answer to finish. */
  remembering: { turnId: string; text: string; waitingForAnswer: boolean } | null;
  /** The last problem, with the message to retry when the engine was lost mid-answer. */
  problem: { conversationId: string | null; message: string; retryText: string | null } | null;
  modelsReady: boolean;
}

export const DEFAULT_CONVERSATION_TITLE = 'New chat';

interface BacklogItem {
  turn: TurnRecord;
  extraction: FactExtraction | null;
  /** The model the turn's remembering started with (the op stream says who proposed what). */
  done: (result: MemoryManagerResult | null) => void;
  fail: (error: unknown) => void;
  engineRetries: number;
  started: number;
  modelMs: number;
  /** A chat turn marked waiting in the database (`memoryPendingSince`); replayed turns are not. */
  durable: boolean;
  /** Queued by an earlier page. */
  earlier: boolean;
  /** This session's claim on the turn, taken when its remembering starts. */
  release: ReleaseClaim | null;
}

function isAbort(error: unknown): boolean {
  return (error instanceof LLMError && error.kind === 'abort') || (error instanceof DOMException && error.name === 'AbortError');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A title from the first thing said: its first line, cut at a word near 48 characters. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  if (line.length <= 48) return line || DEFAULT_CONVERSATION_TITLE;
  const cut = line.slice(0, 48);
  const space = cut.lastIndexOf(' ');
  return `${(space > 24 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export class ChatSession {
  readonly bank: MemoryBank;
  /**
   * The Memory Manager's options for the turns remembered from now on (token limits, retrieval sizes). The
   * developer console and e2e tests set them, e.g. a tiny `factsMaxTokens` to stage a rejected batch.
   */
  managerOptions: Omit<MemoryManagerOptions, 'onEvent'> = {};
  private models: ChatModels | null = null;
  private readonly options: ChatSessionOptions;
  private state: ChatSnapshot = { answering: null, backlog: 0, earlier: 0, remembering: null, problem: null, modelsReady: false };
  private readonly listeners = new Set<() => void>();
  private readonly backlog: BacklogItem[] = [];
  private draining = false;
  private managerAbort: AbortController | null = null;
  private answerAbort: AbortController | null = null;
  /** Resolved when no answer is being written: the manager waits on it before each model step. */
  private answerDone: Promise<void> = Promise.resolve();
  private releaseAnswer: (() => void) | null = null;
  /** Op-stream writes, in order; `settled()` waits for them. */
  private writes: Promise<unknown> = Promise.resolve();
  private drained: Promise<void> = Promise.resolve();
  private disposed = false;
  /** A chat turn's answer timings, until its remembering completes them. */
  private readonly answerMetrics = new Map<string, ChatTurnMetrics>();
  private readonly claims: TurnClaims;
  /** The turns earlier pages left waiting, queued ahead of this session's; the backlog runs once they are. */
  private readonly earlierQueued: Promise<void>;
  private lastQueuedAt = 0;
  /** The item whose remembering is running: it keeps its claim until the run ends, even past a dispose. */
  private current: BacklogItem | null = null;

  constructor(options: ChatSessionOptions) {
    this.options = options;
    this.bank = options.bank;
    this.claims = options.claims ?? defaultTurnClaims();
    this.earlierQueued = this.queueEarlierTurns();
  }

  // ---- what views read -------------------------------------------------------------------------------------

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = (): ChatSnapshot => this.state;

  private update(patch: Partial<ChatSnapshot>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** The models turns are answered and remembered with; null until both are loaded. Turns already queued wait. */
  setModels(models: ChatModels | null): void {
    this.models = models;
    this.update({ modelsReady: models !== null });
    if (models) void this.drain();
  }

  private today(): string {
    return (this.options.today ?? localIsoDate)();
  }

  // ---- conversations --------------------------------------------------------------------------------------

  async createConversation(namespace: string, title = DEFAULT_CONVERSATION_TITLE): Promise<ConversationRecord> {
    const now = Date.now();
    const conversation: ConversationRecord = { id: `chat:${crypto.randomUUID()}`, namespace, title, createdAt: now, updatedAt: now };
    await this.bank.db.conversations.add(conversation);
    return conversation;
  }

  /** The namespace's most recent conversation, created when it has none. */
  async latestConversation(namespace: string): Promise<ConversationRecord> {
    const latest = await this.bank.db.conversations.where('namespace').equals(namespace).reverse().sortBy('updatedAt');
    return latest[0] ?? this.createConversation(namespace);
  }

  async renameConversation(id: string, title: string): Promise<void> {
    const trimmed = title.trim();
    if (!trimmed) throw new TypeError('a conversation needs a title');
    const changed = await this.bank.db.conversations.update(id, { title: trimmed.slice(0, 200), updatedAt: Date.now() });
    if (changed === 0) throw new Error('that conversation no longer exists');
  }

  /**
   * Deletes the conversation and its turns. Memories made from them stay (they are the bank's, with their own
   * history), and so does the op stream; a turn of it still waiting to be remembered is dropped from the backlog.
   */
  async deleteConversation(id: string): Promise<void> {
    if (this.state.answering?.conversationId === id) this.stopAnswer();
    const { db } = this.bank;
    await db.transaction('rw', db.conversations, db.turns, async () => {
      await db.turns.where('conversationId').equals(id).delete();
      await db.conversations.delete(id);
    });
    for (const item of this.backlog.slice(1)) {
      if (item.turn.conversationId === id) this.dropFromBacklog(item);
    }
  }

  // ---- answering ------------------------------------------------------------------------------------------

  /**
   * The user's message: stored, answered first (the manager yields), then queued to be remembered. Resolves
   * once the answer is stored (or the turn rolled back); remembering goes on in the background.
   */
  async send(conversationId: string, text: string): Promise<void> {
    const trimmed = text.trim();
    if (!trimmed) return;
    if (this.state.answering) throw new Error('an answer is still being written; stop it or wait');
    const models = this.requireModels();
    const { db } = this.bank;
    const conversation = await db.conversations.get(conversationId);
    if (!conversation) throw new Error('that conversation no longer exists');
    const now = Date.now();
    const userTurn: TurnRecord = {
      id: crypto.randomUUID(),
      namespace: conversation.namespace,
      conversationId,
      speaker: 'User',
      role: 'user',
      text: trimmed,
      at: now,
      sessionTime: this.today(),
      // Waiting to be remembered from the moment it is stored: a page closed mid-answer still remembers it.
      memoryPendingSince: this.nextQueuedAt(),
    };
    await db.transaction('rw', db.turns, db.conversations, async () => {
      await db.turns.add(userTurn);
      const first = conversation.title === DEFAULT_CONVERSATION_TITLE && (await db.turns.where('conversationId').equals(conversationId).count()) === 1;
      await db.conversations.update(conversationId, { updatedAt: now, ...(first ? { title: titleFrom(trimmed) } : {}) });
    });
    this.update({ problem: null });
    const outcome = await this.answer(models, userTurn, false);
    if (outcome === 'engine-lost') return;
    void this.enqueue(userTurn, { durable: true, earlier: false }).catch(() => {}); // its failure is shown as the session's problem
  }

  /** Writes the answer to the user turn before `assistantTurnId` again (the old answer is replaced). */
  async regenerate(assistantTurnId: string): Promise<void> {
    if (this.state.answering) throw new Error('an answer is still being written; stop it or wait');
    const models = this.requireModels();
    const { db } = this.bank;
    const old = await db.turns.get(assistantTurnId);
    if (old?.role !== 'assistant') throw new Error('that answer no longer exists');
    const earlier = await db.turns.where('conversationId').equals(old.conversationId).sortBy('at');
    const question = earlier.filter((t) => t.role === 'user' && t.at <= old.at).at(-1);
    if (!question) throw new Error('there is no question before that answer');
    this.update({ problem: null });
    await this.answer(models, question, true, old);
  }

  /** Stops the answer being written; what had arrived is kept, marked as stopped. */
  stopAnswer(): void {
    this.answerAbort?.abort();
  }

  /** Retries the message of a turn the engine was lost in. */
  async retry(conversationId: string): Promise<void> {
    const retryText = this.state.problem?.retryText;
    if (!retryText) return;
    await this.send(conversationId, retryText);
  }

  private requireModels(): ChatModels {
    if (!this.models) throw new Error('load a chat model and the embedding model first');
    return this.models;
  }

  private async answer(
    models: ChatModels,
    userTurn: TurnRecord,
    regenerating: boolean,
    replacing?: TurnRecord,
  ): Promise<'answered' | 'stopped' | 'failed' | 'engine-lost'> {
    const { db } = this.bank;
    const controller = new AbortController();
    this.answerAbort = controller;
    this.answerDone = new Promise((resolve) => (this.releaseAnswer = resolve));
    // Answers first: the manager's call in flight is cut off and re-asked after the answer.
    const preemptedManager = this.managerAbort !== null && !this.managerAbort.signal.aborted;
    this.managerAbort?.abort();
    const started = performance.now();
    let ttftMs = -1;
    let streamed = '';
    const setText = (textSoFar: string) => this.state.answering && this.update({ answering: { ...this.state.answering, text: textSoFar } });
    this.update({ answering: { conversationId: userTurn.conversationId, userTurnId: userTurn.id, question: userTurn.text, text: '', regenerating } });
    try {
      const latencyBudgetS = this.options.latencyBudgetS?.();
      const agent = createAnswerAgent({
        llm: models.llm,
        embedder: models.embedder,
        bank: this.bank,
        ...(latencyBudgetS !== undefined ? { latencyBudgetS } : {}),
      });
      const k = this.options.retrievalK?.();
      let result: AnswerResult;
      try {
        result = await agent.answer({
          question: userTurn.text,
          namespaces: [userTurn.namespace],
          mode: 'chat',
          ...(k !== undefined ? { k } : {}),
          // Time-aware retrieval against today: "what did I do last week?" favours memories from then.
          referenceDate: this.today(),
          signal: controller.signal,
          onToken: (delta) => {
            if (ttftMs < 0) ttftMs = performance.now() - started;
            streamed += delta;
            setText(answerSoFar(streamed));
          },
        });
      } catch (error) {
        if (isAbort(error) && controller.signal.aborted) {
          // Stopped by the user: what had arrived is the answer, marked as stopped.
          const partial = answerSoFar(streamed);
          await this.storeAnswer(userTurn, { text: partial, sources: [], usedMemoryIds: [], stopped: true }, replacing);
          return 'stopped';
        }
        if (error instanceof LLMError && error.kind === 'engine-lost') {
          // Nothing of a turn the engine died in is kept (the bank stays as it was); the client restarts the
          // engine from its cache and the same message can be retried.
          if (!regenerating) {
            await db.turns.delete(userTurn.id);
          }
          this.update({ problem: { conversationId: userTurn.conversationId, message: error.message, retryText: regenerating ? null : userTurn.text } });
          return 'engine-lost';
        }
        this.update({ problem: { conversationId: userTurn.conversationId, message: `No answer: ${message(error)}`, retryText: null } });
        return 'failed';
      }
      const byId = new Map(result.candidates.map((c) => [c.memory.id, c.memory]));
      const sources: SourceSnapshot[] = result.usedMemoryIds.flatMap((id) => {
        const m = byId.get(id);
        return m ? [{ memoryId: id, text: m.text, updatedAt: m.updatedAt }] : [];
      });
      await this.storeAnswer(
        userTurn,
        { text: result.answer, sources, usedMemoryIds: result.usedMemoryIds, stopped: false, considered: result.considered },
        replacing,
      );
      const wall = performance.now() - started;
      const metrics: ChatTurnMetrics = {
        turnId: userTurn.id,
        ttftMs: ttftMs < 0 ? wall : ttftMs,
        answerWallMs: wall,
        answerModelMs: result.call.timings.totalMs,
        preemptedManager,
        managerWallMs: 0,
        managerModelMs: 0,
      };
      // Complete once the turn is remembered; a regenerated answer is not remembered again.
      if (regenerating) this.options.onMetrics?.(metrics);
      else this.answerMetrics.set(userTurn.id, metrics);
      return 'answered';
    } finally {
      this.answerAbort = null;
      this.update({ answering: null });
      this.releaseAnswer?.();
      this.releaseAnswer = null;
    }
  }

  private async storeAnswer(
    userTurn: TurnRecord,
    answer: { text: string; sources: SourceSnapshot[]; usedMemoryIds: string[]; stopped: boolean; considered?: TurnRecord['considered'] },
    replacing: TurnRecord | undefined,
  ): Promise<void> {
    const { db } = this.bank;
    const turn: TurnRecord = {
      id: replacing?.id ?? crypto.randomUUID(),
      namespace: userTurn.namespace,
      conversationId: userTurn.conversationId,
      speaker: 'Assistant',
      role: 'assistant',
      text: answer.text,
      // A regenerated answer keeps its place after its question.
      at: replacing?.at ?? Math.max(Date.now(), userTurn.at + 1),
      sessionTime: userTurn.sessionTime,
      usedMemoryIds: answer.usedMemoryIds,
      sources: answer.sources,
      ...(answer.considered ? { considered: answer.considered } : {}),
      ...(answer.stopped ? { stopped: true } : {}),
    };
    await db.transaction('rw', db.turns, db.conversations, async () => {
      // put: a regenerated answer replaces the old one whole (no field of the old answer survives).
      await db.turns.put(turn);
      await db.conversations.update(userTurn.conversationId, { updatedAt: Date.now() });
    });
  }

  // ---- remembering ----------------------------------------------------------------------------------------

  /**
   * Queues a stored turn for the Memory Manager (turns are remembered in the order queued). Resolves with the
   * manager's result once it is remembered, null when it was stopped; rejects when remembering failed. The turn
   * is not marked waiting in the database (the replay keeps its own position).
   */
  remember(turn: TurnRecord): Promise<MemoryManagerResult | null> {
    return this.enqueue(turn, { durable: false, earlier: false });
  }

  private enqueue(turn: TurnRecord, how: { durable: boolean; earlier: boolean }): Promise<MemoryManagerResult | null> {
    return new Promise((done, fail) => {
      this.backlog.push({ turn, extraction: null, done, fail, engineRetries: 0, started: 0, modelMs: 0, release: null, ...how });
      this.updateBacklog();
      void this.drain();
    });
  }

  /** Epoch ms, strictly increasing within the session: the backlog's order when it is read back. */
  private nextQueuedAt(): number {
    this.lastQueuedAt = Math.max(Date.now(), this.lastQueuedAt + 1);
    return this.lastQueuedAt;
  }

  /** Queues the turns earlier pages left waiting, oldest first, ahead of anything this session queued. */
  private async queueEarlierTurns(): Promise<void> {
    let waiting: TurnRecord[];
    try {
      waiting = await this.bank.db.turns.orderBy('memoryPendingSince').toArray();
    } catch (error) {
      console.error('The turns waiting to be remembered could not be read:', error);
      return;
    }
    if (this.disposed || waiting.length === 0) return;
    const queued = new Set(this.backlog.map((item) => item.turn.id));
    const earlier = waiting
      .filter((turn) => !queued.has(turn.id))
      .map(
        (turn): BacklogItem => ({
          turn,
          extraction: null,
          done: () => {},
          fail: () => {},
          engineRetries: 0,
          started: 0,
          modelMs: 0,
          durable: true,
          earlier: true,
          release: null,
        }),
      );
    // Nothing has started yet (the backlog waits for this), so the earlier turns go first.
    this.backlog.unshift(...earlier);
    this.updateBacklog();
  }

  private updateBacklog(patch: Partial<ChatSnapshot> = {}): void {
    this.update({ backlog: this.backlog.length, earlier: this.backlog.filter((item) => item.earlier).length, ...patch });
  }

  /**
   * Stops remembering: the call in flight is cut off and the turns waiting are dropped (they stay in the chat, no
   * longer marked waiting). `log: false` after a wipe, when the turns and the stream are gone.
   */
  stopRemembering({ log = true }: { log?: boolean } = {}): void {
    const items = this.backlog.splice(0);
    this.managerAbort?.abort();
    for (const item of items) {
      if (log) this.logStopped(item.turn);
      this.settle(item, item.durable ? this.bank.db.turns.update(item.turn.id, { memoryPendingSince: undefined }) : null);
      item.done(null);
    }
    this.updateBacklog({ remembering: null });
  }

  private dropFromBacklog(item: BacklogItem): void {
    const i = this.backlog.indexOf(item);
    if (i < 0) return;
    this.backlog.splice(i, 1);
    item.release?.();
    item.done(null);
    this.updateBacklog();
  }

  /** Resolves when the backlog is empty and every op-stream event is stored. */
  async settled(): Promise<void> {
    await this.earlierQueued;
    for (;;) {
      const drained = this.drained;
      await drained;
      await this.writes;
      // Without models the backlog waits for them; there is nothing more to wait for here.
      if (drained === this.drained && (this.backlog.length === 0 || !this.models || this.disposed)) return;
    }
  }

  private drain(): Promise<void> {
    if (this.draining || this.disposed) return this.drained;
    this.draining = true;
    this.drained = this.runBacklog();
    return this.drained;
  }

  private async runBacklog(): Promise<void> {
    try {
      await this.earlierQueued;
      await this.runQueuedTurns();
    } finally {
      this.draining = false;
    }
  }

  /**
   * Claims a durable turn for this session and checks it still needs remembering: false when another tab holds it,
   * finished it, or the bank already holds its batch (then the op stream gets that batch and the turn is marked).
   */
  private async claimTurn(item: BacklogItem): Promise<boolean> {
    if (!item.durable || item.release) return true;
    const { db } = this.bank;
    const release = await this.claims.claim(`${db.name}/${item.turn.id}`);
    if (!release) return false;
    item.release = release;
    const [stored, committed] = await Promise.all([db.turns.get(item.turn.id), db.memoryHistory.where('turnId').equals(item.turn.id).sortBy('seq')]);
    if (stored?.memoryPendingSince === undefined) return false;
    if (committed.length === 0) return true;
    // The page that remembered it died after the bank committed its batch: never apply it a second time.
    const logged = await db.opEvents
      .where('turnId')
      .equals(item.turn.id)
      .filter((e) => e.type === 'applied')
      .count();
    const history = committed[0]!;
    if (logged === 0) {
      const ops = committed.map((row) => ({
        event: row.op,
        op: row.op,
        memoryId: row.memoryId,
        shortId: null,
        before: row.before,
        after: row.after,
      }));
      this.logRecord(item.turn, history.model, { type: 'applied', turnId: item.turn.id, batchId: history.batchId, ops }, history.promptVersion);
    }
    this.markRemembered(item);
    return false;
  }

  /** Once every event of the turn is stored, it is no longer waiting; then the claim is given back. */
  private markRemembered(item: BacklogItem): void {
    if (!item.durable) return;
    const { db } = this.bank;
    this.writes = this.writes.then(() => db.turns.update(item.turn.id, { memoryPendingSince: undefined }));
    this.settle(item, this.writes);
  }

  /** Gives the item's claim back once `write` is stored (or at once). */
  private settle(item: BacklogItem, write: Promise<unknown> | null): void {
    const release = item.release;
    item.release = null;
    if (!release) return;
    if (!write) {
      release();
      return;
    }
    void write.then(release, (error: unknown) => {
      console.error('A remembered turn could not be marked as remembered:', error);
      release();
    });
  }

  private async runQueuedTurns(): Promise<void> {
    for (;;) {
      if (!(this.backlog.length > 0 && this.models && !this.disposed)) {
        // Synchronously after the last check: a turn queued from here on starts a new run.
        this.draining = false;
        break;
      }
      const item = this.backlog[0]!;
      const models = this.models;
      if (!item.started) item.started = performance.now();
      const waiting = this.state.answering !== null;
      this.update({ remembering: { turnId: item.turn.id, text: item.turn.text, waitingForAnswer: waiting } });
      await this.answerDone;
      if (this.backlog[0] !== item) continue; // stopped or dropped while waiting
      if (!(await this.claimTurn(item))) {
        // Another tab has it, or it is already remembered.
        if (this.backlog[0] === item) this.dropFromBacklog(item);
        continue;
      }
      if (this.backlog[0] !== item || this.disposed) continue;
      // A question asked while the claim was being granted found no manager call to cut off: it goes first, and
      // the turn (claim kept) waits for its answer again.
      if (this.state.answering !== null) continue;
      this.update({ remembering: { turnId: item.turn.id, text: item.turn.text, waitingForAnswer: false } });
      const controller = new AbortController();
      this.managerAbort = controller;
      this.current = item;
      const manager = createMemoryManager(
        { ...models, bank: this.bank },
        { ...this.managerOptions, onEvent: (event) => this.logEvent(item.turn, models.llm.modelId, event) },
      );
      const options = { signal: controller.signal };
      const dialogueTurn = {
        speaker: item.turn.speaker,
        text: item.turn.text,
        sessionTime: item.turn.sessionTime ?? this.today(),
        turnId: item.turn.id,
        namespace: item.turn.namespace,
      };
      try {
        if (!item.extraction) {
          item.extraction = await manager.extractFacts(dialogueTurn, options);
          item.modelMs += item.extraction.calls.reduce((sum, c) => sum + c.timings.totalMs, 0);
          // A question arrived during the facts call's last tokens: it goes first.
          if (controller.signal.aborted) continue;
        }
        const result = await manager.updateMemories(item.extraction, options);
        item.modelMs += result.calls.slice(item.extraction.calls.length).reduce((sum, c) => sum + c.timings.totalMs, 0);
        this.finish(item);
        this.emitMetrics(item);
        item.done(result);
      } catch (error) {
        if (isAbort(error) && this.backlog[0] === item) continue; // preempted by a question: the same step again
        if (isAbort(error)) continue; // stopped (answered by stopRemembering) or the page is going (disposed)
        if (error instanceof LLMError && error.kind === 'engine-lost' && item.engineRetries < 1) {
          // The client restarts a lost engine from its cache; the turn is tried once more on the new one.
          item.engineRetries++;
          continue;
        }
        this.finish(item);
        this.emitMetrics(item);
        this.update({
          problem: {
            conversationId: item.turn.role === 'dialogue' ? null : item.turn.conversationId,
            message: `Remembering failed: ${message(error)}`,
            retryText: null,
          },
        });
        item.fail(error);
      } finally {
        if (this.managerAbort === controller) this.managerAbort = null;
        this.current = null;
        // Disposed mid-turn: a step that cannot be cut off (the bank's write) has ended; another session may go on.
        if (this.disposed) this.settle(item, null);
      }
    }
    this.updateBacklog({ remembering: null });
  }

  private emitMetrics(item: BacklogItem): void {
    const answered = this.answerMetrics.get(item.turn.id);
    if (!answered) return; // a replayed turn: no answer to time
    this.answerMetrics.delete(item.turn.id);
    this.options.onMetrics?.({ ...answered, managerWallMs: performance.now() - item.started, managerModelMs: item.modelMs });
  }

  /** The turn's outcome is decided: out of the backlog, and (once its events are stored) no longer waiting. */
  private finish(item: BacklogItem): void {
    if (this.backlog[0] === item) this.backlog.shift();
    this.markRemembered(item);
    this.updateBacklog({ remembering: null });
  }

  // ---- the op stream --------------------------------------------------------------------------------------

  private store(record: OpEventRecord): void {
    this.writes = this.writes
      .then(() => this.bank.db.opEvents.add(record))
      .catch((error: unknown) => {
        // The batch itself is in the bank whatever happens here; the stream's record of it is what failed.
        console.error('The op stream could not store an event:', error);
      });
  }

  private logEvent(turn: TurnRecord, model: string, event: MemoryManagerEvent): void {
    if (isStoredEvent(event)) this.logRecord(turn, model, event as OpEventRecord['event']);
  }

  private logStopped(turn: TurnRecord): void {
    this.logRecord(turn, this.models?.llm.modelId ?? 'none', { type: 'stopped', turnId: turn.id });
  }

  /** One op-stream record of a turn's event, stamped with the model and the manager's prompt version. */
  private logRecord(turn: TurnRecord, model: string, event: OpEventRecord['event'], promptVersion = MEMORY_MANAGER_PROMPT_VERSION): void {
    const at = Date.now();
    this.store({
      id: orderedId(at),
      namespace: turn.namespace,
      conversationId: turn.conversationId,
      turnId: turn.id,
      at,
      model,
      promptVersion,
      type: event.type,
      event,
    });
  }

  /**
   * Stops everything in flight; the session is not used again. Turns waiting stay marked in the database: the
   * next session remembers them.
   */
  dispose(): void {
    this.disposed = true;
    this.answerAbort?.abort();
    this.managerAbort?.abort();
    for (const item of this.backlog.splice(0)) {
      if (item !== this.current) this.settle(item, null);
      item.done(null);
    }
    this.updateBacklog({ remembering: null });
  }
}
