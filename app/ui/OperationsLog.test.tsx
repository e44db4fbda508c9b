// Dexie's liveQuery (useLiveQuery) observes the global indexedDB, whatever the database was opened with.
import 'fake-indexeddb/auto';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryManager, type DialogueTurn, MEMORY_MANAGER_PROMPT_VERSION, type MemoryManagerEvent } from '../agent/memoryManager';
import { openAgentTestBank, seedMemories } from '../agent/testing/agentTestBank';
import { isStoredEvent } from '../chat/opEvents';
import { orderedId } from '../chat/orderedId';
import { createHashingEmbedder, hashingEmbedding } from '../embed/testing/hashingEmbedder';
import type { ChatMessage, LLMClient } from '../llm/types';
import type { OpEventRecord } from '../memory/db';
import type { MemoryBank } from '../memory/memoryBank';
import { OperationsLog } from './OperationsLog';

const NS = 'user:melanie';
const MODEL = 'scripted-test-model';
// Memory text is the model's: markup in it is text to show, never HTML to run.
const RUNNING = 'Melanie likes <b>running</b>.';
const KIDS = 'Melanie has two kids.';
const DOG = 'Melanie adopted a dog named <b>Buddy</b>.';
const RUNNING_DAILY = 'Melanie likes <b>running</b> every day.';

const opened: MemoryBank[] = [];
afterEach(() => {
  cleanup();
  for (const bank of opened.splice(0)) {
    bank.close();
    bank.db.close();
  }
});

/**
 * A model that answers from a script of functions of the prompt's last message, so a reply can name the short id
 * the manager gave a memory ("0: Melanie has two kids."), whatever order retrieval listed them in.
 */
function promptReadingModel(replies: ((prompt: string) => string)[]): LLMClient & { remaining: () => number } {
  const queue = [...replies];
  return {
    engine: 'node-llama-cpp',
    modelId: MODEL,
    remaining: () => queue.length,
    async complete(messages: ChatMessage[]) {
      const reply = queue.shift();
      if (!reply) throw new Error('the script has no reply left');
      const text = reply(messages.at(-1)!.content);
      return { text, usage: { promptTokens: 1, completionTokens: 1 }, timings: { totalMs: 1 }, finishReason: 'stop' };
    },
    async dispose() {},
  };
}

function shortIdOf(prompt: string, memory: string): string {
  const line = prompt.split('\n').find((l) => l.endsWith(`: ${memory}`));
  if (!line) throw new Error(`memory ${JSON.stringify(memory)} was not shown in:\n${prompt}`);
  return line.slice(0, line.indexOf(':'));
}

const facts =
  (...list: string[]) =>
  () =>
    JSON.stringify({ facts: list });
const update = (entries: (prompt: string) => { id: string; text: string; event: string }[]) => (prompt: string) => JSON.stringify({ memory: entries(prompt) });

/** Runs one turn through the real Memory Manager and stores its turn and op-stream events as the chat session does. */
async function rememberTurn(bank: MemoryBank, llm: LLMClient, turn: DialogueTurn) {
  await bank.db.turns.put({
    id: turn.turnId,
    namespace: turn.namespace,
    conversationId: 'chat-1',
    speaker: turn.speaker,
    role: 'user',
    text: turn.text,
    at: Date.now(),
    sessionTime: turn.sessionTime,
  });
  const events: MemoryManagerEvent[] = [];
  const manager = createMemoryManager({ llm, embedder: createHashingEmbedder(), bank });
  const result = await manager.processTurn(turn, { onEvent: (e) => events.push(e) });
  for (const event of events.filter(isStoredEvent)) {
    const at = Date.now();
    const record: OpEventRecord = {
      id: orderedId(at),
      namespace: turn.namespace,
      conversationId: 'chat-1',
      turnId: turn.turnId,
      at,
      model: llm.modelId,
      promptVersion: MEMORY_MANAGER_PROMPT_VERSION,
      type: event.type,
      event: event as OpEventRecord['event'],
    };
    await bank.db.opEvents.add(record);
  }
  return result;
}

describe('OperationsLog', () => {
  it('renders the stored op stream newest first: an applied batch op by op, a rejected batch with its reasons, all as text', async () => {
    const bank = await openAgentTestBank();
    opened.push(bank);
    const [runningId, kidsId] = await seedMemories(
      bank,
      NS,
      [RUNNING, KIDS].map((text) => ({ text, embedding: hashingEmbedding(text) })),
    );

    const llm = promptReadingModel([
      facts(DOG, RUNNING_DAILY, KIDS),
      update((prompt) => [
        { id: '9', text: DOG, event: 'ADD' },
        { id: shortIdOf(prompt, RUNNING), text: RUNNING_DAILY, event: 'UPDATE' },
        { id: shortIdOf(prompt, KIDS), text: KIDS, event: 'NOOP' },
      ]),
      facts('Melanie sold her <i>car</i>.'),
      // Both attempts name an event the bank does not know (markup included): the batch is rejected, the bank untouched.
      update(() => [{ id: '0', text: 'Melanie sold her <i>car</i>.', event: '<b>NONE</b>' }]),
      update(() => [{ id: '0', text: 'Melanie sold her <i>car</i>.', event: '<b>NONE</b>' }]),
    ]);
    const first = await rememberTurn(bank, llm, {
      speaker: 'Melanie',
      text: 'I adopted <b>Buddy</b>, and I run every day.',
      sessionTime: '2023-05-25',
      turnId: 't1',
      namespace: NS,
    });
    expect(first.status).toBe('applied');
    const second = await rememberTurn(bank, llm, { speaker: 'Melanie', text: 'I sold my car.', sessionTime: '2023-05-26', turnId: 't2', namespace: NS });
    expect(second.status).toBe('rejected');
    if (first.status !== 'applied' || second.status !== 'rejected') return;
    expect(llm.remaining()).toBe(0);

    const onOpenMemory = vi.fn();
    const { container } = render(<OperationsLog db={bank.db} onOpenMemory={onOpenMemory} />);
    const log = await screen.findByTestId('ops-log');
    await waitFor(() => expect(within(log).getByTestId('ops-rejected')).toBeDefined());
    await waitFor(() => expect(within(log).getByTestId('ops-applied')).toBeDefined());

    // Newest first: the second turn's rejection, then its facts, then the first turn's batch and facts.
    const events = [...log.children].map((li) => li.getAttribute('data-event'));
    expect(events).toEqual(['rejected', 'facts', 'applied', 'facts']);

    // The rejected batch: where it failed, that the bank is unchanged, and every reason verbatim.
    const rejected = within(log).getByRole('group', { name: 'Rejected batch' });
    expect(rejected.textContent).toContain('Rejected at memory update; the bank is unchanged:');
    const reasons = within(rejected)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(reasons).toEqual(second.errors);
    expect(reasons[0]).toBe('attempt 1: entry 0: unknown event "<b>NONE</b>"; expected ADD, UPDATE, DELETE or NOOP');

    // The applied batch, op by op in the model's order, each memory's text as the bank stored it.
    const applied = within(log).getByTestId('ops-applied');
    const ops = [...applied.children] as HTMLElement[];
    expect(ops.map((li) => li.dataset.op)).toEqual(['ADD', 'UPDATE', 'NOOP']);
    expect(ops[0]!.textContent).toContain(`ADD ${DOG}`);
    // The UPDATE as a word diff: the old words kept, the added ones marked.
    const diff = within(ops[1]!).getByTestId('word-diff');
    expect(diff.textContent).toContain('Melanie likes <b>running</b>');
    expect([...diff.querySelectorAll('ins')].map((e) => e.textContent).join('')).toContain('every day');
    expect(ops[2]!.querySelector('summary')?.textContent).toBe('NOOP');
    expect(ops[2]!.textContent).toContain(KIDS);

    // Each turn line: the turn that caused it (markup shown as typed) and the model that proposed it.
    expect(
      within(log)
        .getAllByTestId('op-model')
        .map((e) => e.textContent),
    ).toEqual([MODEL, MODEL]);
    // The turns are read by a second live query: their lines fill in once it answers.
    await waitFor(() => expect(log.querySelectorAll('.turn-text')[1]?.textContent).toBe('Melanie: I adopted <b>Buddy</b>, and I run every day.'));
    expect(log.querySelector('.turn-text')?.textContent).toBe('Melanie: I sold my car.');
    expect(
      within(log)
        .getAllByTestId('ops-facts')
        .map((e) => e.textContent),
    ).toEqual(['Facts: Melanie sold her <i>car</i>.', `Facts: ${DOG} · ${RUNNING_DAILY} · ${KIDS}`]);

    // Not one element was made from memory text: the only <b>, <i> are the characters on the screen.
    expect(container.querySelector('b, i, script')).toBeNull();

    // "open" takes the user to the memory the op wrote: the new one for the ADD, the same id for the UPDATE.
    const user = userEvent.setup();
    await user.click(within(ops[1]!).getByRole('button', { name: 'Open this memory in the explorer' }));
    expect(onOpenMemory).toHaveBeenLastCalledWith(runningId);
    await user.click(within(ops[0]!).getByRole('button', { name: 'Open this memory in the explorer' }));
    const added = first.ops.find((o) => o.op === 'ADD')!.memoryId;
    expect(added).not.toBe(runningId);
    expect(onOpenMemory).toHaveBeenLastCalledWith(added);
    expect(first.ops.find((o) => o.op === 'NOOP')?.memoryId).toBe(kidsId);
  });

  it('says so when the stream is empty, and shows nothing while the bank opens', async () => {
    const bank = await openAgentTestBank();
    opened.push(bank);
    const { rerender } = render(<OperationsLog db={null} onOpenMemory={vi.fn()} />);
    expect(screen.getByText('Operations appear here as the Memory Manager processes each turn.')).toBeDefined();
    rerender(<OperationsLog db={bank.db} onOpenMemory={vi.fn()} />);
    await waitFor(() => expect(within(screen.getByTestId('ops-log')).queryAllByRole('listitem')).toHaveLength(0));
    expect(screen.getByText('Operations appear here as the Memory Manager processes each turn.')).toBeDefined();
  });
});
