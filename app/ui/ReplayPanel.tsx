import { useEffect, useRef, useState } from 'react';
import type { ChatSession } from '../chat/chatSession';
import { type LocomoConversation, type LocomoTurn, parseLocomo } from '../eval/locomo';
import type { TurnRecord } from '../memory/types';
import { ReplayPlayer, type ReplaySnapshot } from './replayPlayer';

interface ReplayPanelProps {
  /** Remembers each turn (through the same backlog as the chat: a question asked meanwhile goes first). */
  session: ChatSession;
  modelsReady: boolean;
}

/** The pause between turns while playing. */
const SPEEDS = [
  { ms: 0, label: 'As fast as the model goes' },
  { ms: 1000, label: '1 s between turns' },
  { ms: 3000, label: '3 s between turns' },
  { ms: 10000, label: '10 s between turns' },
] as const;

export function replayNamespace(sampleId: string): string {
  return `locomo:${sampleId}`;
}

/** Where a conversation's replay stopped: in the bank's settings table, so it survives a reload (and a wipe resets it). */
function positionKey(sampleId: string): string {
  return `replay.position:${sampleId}`;
}

function turnId(sampleId: string, turn: LocomoTurn): string {
  return `${sampleId}:${turn.diaId}`;
}

function dialogueText(turn: LocomoTurn): string {
  return turn.imageCaption ? `${turn.text} [shares an image: ${turn.imageCaption}]` : turn.text;
}

function sessionDay(iso: string): string {
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { timeZone: 'UTC', dateStyle: 'medium' });
}

async function readConversations(file: File): Promise<LocomoConversation[]> {
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch (error) {
    throw new Error(`${file.name} is not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const conversations = parseLocomo(json).filter((c) => c.turns.length > 0);
  if (conversations.length === 0) throw new Error(`${file.name} has no conversation with turns`);
  return conversations;
}

/**
 * Replay: a LoCoMo-format file chosen by the user (nothing of the dataset ships with the app) played turn by turn
 * into the Memory Manager, each turn with its session's date, so the bank can be watched growing. The op stream
 * shows each turn's operations as they happen; the position is stored after every turn.
 */
export function ReplayPanel({ session, modelsReady }: ReplayPanelProps) {
  const { bank } = session;
  const [conversations, setConversations] = useState<LocomoConversation[] | null>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const [fileProblem, setFileProblem] = useState('');
  const [sampleId, setSampleId] = useState<string | null>(null);
  const [snapshot, setSnapshot] = useState<ReplaySnapshot | null>(null);
  const [delayMs, setDelayMs] = useState<number>(SPEEDS[0].ms);
  const delayRef = useRef(delayMs);
  delayRef.current = delayMs;
  const playerRef = useRef<ReplayPlayer | null>(null);

  // The player outlives model changes; each turn uses the models loaded when it starts.
  const readyRef = useRef(modelsReady);
  readyRef.current = modelsReady;

  const conversation = conversations?.find((c) => c.sampleId === sampleId) ?? null;

  useEffect(() => {
    if (!conversation) return;
    let live = true;
    const { db } = bank;
    const namespace = replayNamespace(conversation.sampleId);
    const runTurn = async (index: number) => {
      if (!readyRef.current) throw new Error('Load a chat model and the embedding model to play turns.');
      const turn = conversation.turns[index]!;
      const id = turnId(conversation.sampleId, turn);
      const record: TurnRecord = {
        id,
        namespace,
        conversationId: namespace,
        speaker: turn.speaker,
        role: 'dialogue',
        text: dialogueText(turn),
        at: Date.now(),
        sessionTime: turn.sessionTime,
      };
      // Stored first, so the op stream can show the turn while its operations arrive.
      await db.turns.put(record);
      const result = await session.remember(record);
      if (result === null) throw new Error('remembering was stopped');
      await db.settings.put({ key: positionKey(conversation.sampleId), value: index + 1 });
    };
    void db.settings.get(positionKey(conversation.sampleId)).then((row) => {
      if (!live) return;
      const saved = typeof row?.value === 'number' ? row.value : 0;
      const start = Math.min(Math.max(0, Math.floor(saved)), conversation.turns.length);
      const player = new ReplayPlayer({
        total: conversation.turns.length,
        start,
        runTurn,
        delayMs: () => delayRef.current,
        onChange: (s) => live && setSnapshot(s),
      });
      playerRef.current = player;
      setSnapshot(player.snapshot());
    });
    return () => {
      live = false;
      playerRef.current?.dispose();
      playerRef.current = null;
      setSnapshot(null);
    };
  }, [conversation, bank, session]);

  async function chooseFile(file: File) {
    setFileProblem('');
    try {
      const parsed = await readConversations(file);
      setConversations(parsed);
      setFileName(file.name);
      setSampleId(parsed[0]!.sampleId);
    } catch (error) {
      setFileProblem(`Not loaded: ${error instanceof Error ? error.message : String(error)}. Choose a LoCoMo-format JSON file (like locomo10.json).`);
    }
  }

  const player = playerRef.current;
  const ready = modelsReady;
  const s = snapshot;
  const current = s && conversation ? conversation.turns[Math.min(s.inFlight ?? s.position, conversation.turns.length - 1)] : undefined;
  const windowStart = s ? Math.max(0, s.position - 3) : 0;
  const shownTurns = conversation && s ? conversation.turns.slice(windowStart, Math.min(conversation.turns.length, s.position + 6)) : [];

  return (
    <section aria-labelledby="replay-title" className="panel replay">
      <h2 id="replay-title">Replay a conversation</h2>
      <p className="note">
        Choose a file in LoCoMo's format (for example the public locomo10.json). Its turns go one by one into the Memory Manager, each with its session's date;
        watch the operations on the right and the bank grow.
      </p>
      <div className="row">
        <label className="file-button">
          LoCoMo file
          <input
            type="file"
            accept="application/json,.json"
            data-testid="replay-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void chooseFile(file);
            }}
          />
        </label>
        {fileName && (
          <span className="meta" data-testid="replay-file-name">
            {fileName}
          </span>
        )}
        {conversations && (
          <>
            <label htmlFor="replay-conversation">Conversation</label>
            <select
              id="replay-conversation"
              value={sampleId ?? ''}
              onChange={(e) => setSampleId(e.target.value)}
              disabled={s?.status === 'playing' || s?.status === 'pausing' || s?.inFlight != null}
            >
              {conversations.map((c) => (
                <option key={c.sampleId} value={c.sampleId}>
                  {c.sampleId}: {c.speakers.join(' & ')}, {c.turns.length} turns
                </option>
              ))}
            </select>
          </>
        )}
      </div>
      {fileProblem && (
        <p role="alert" className="error" data-testid="replay-problem">
          {fileProblem}
        </p>
      )}
      {conversation && s && (
        <>
          {/* biome-ignore lint/a11y/useSemanticElements: a row of buttons named for screen readers; a fieldset would add its border and padding */}
          <div className="row player" role="group" aria-label="Replay controls">
            <button type="button" data-testid="replay-play" onClick={() => player?.play()} disabled={!ready || s.status !== 'paused'}>
              Play
            </button>
            <button type="button" data-testid="replay-pause" onClick={() => player?.pause()} disabled={s.status !== 'playing'}>
              {s.status === 'pausing' ? 'Pausing after this turn…' : 'Pause'}
            </button>
            <button
              type="button"
              data-testid="replay-step"
              onClick={() => void player?.step()}
              disabled={!ready || s.status !== 'paused' || s.inFlight !== null}
            >
              Step one turn
            </button>
            <label htmlFor="replay-speed">Speed</label>
            <select id="replay-speed" value={delayMs} onChange={(e) => setDelayMs(Number(e.target.value))}>
              {SPEEDS.map((sp) => (
                <option key={sp.ms} value={sp.ms}>
                  {sp.label}
                </option>
              ))}
            </select>
          </div>
          {!ready && <p className="note">Load a chat model and the embedding model (on the Chat view) to play turns.</p>}
          <p className="meta" role="status" data-testid="replay-position">
            {s.position} of {s.total} turns played
            {s.status === 'done'
              ? ' — done'
              : s.inFlight !== null
                ? ` — remembering turn ${s.inFlight + 1}`
                : s.status === 'playing'
                  ? ' — playing'
                  : ' — paused'}
          </p>
          <progress max={s.total} value={s.position} aria-label="Replay progress" />
          {current && (
            <p className="meta">
              Session {current.session}, {sessionDay(current.sessionTime)} · namespace {replayNamespace(conversation.sampleId)}
            </p>
          )}
          {s.error && (
            <p role="alert" className="error" data-testid="replay-error">
              Turn {s.position + 1} did not complete: {s.error}. Play or step to try it again.
            </p>
          )}
          <ol className="replay-turns" start={windowStart + 1} aria-label="Turns around the current position" data-testid="replay-turns">
            {shownTurns.map((t, i) => {
              const index = windowStart + i;
              const state = index === s.inFlight ? 'playing' : index < s.position ? 'played' : 'next';
              return (
                <li key={t.diaId} data-state={state} aria-current={state === 'playing' ? 'step' : undefined}>
                  <span className="note">{t.diaId}</span> <strong>{t.speaker}:</strong> {dialogueText(t)}
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}
