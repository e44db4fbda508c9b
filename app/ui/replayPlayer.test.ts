import { describe, expect, it } from 'vitest';
import { ReplayPlayer, type ReplaySnapshot } from './replayPlayer';

/** A turn that finishes when the test says so, like a model call in flight. */
function controllableTurns() {
  const started: number[] = [];
  const finished: number[] = [];
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const runTurn = (index: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(index);
      pending.set(index, {
        resolve: () => {
          finished.push(index);
          resolve();
        },
        reject,
      });
    });
  const finish = async (index: number) => {
    pending.get(index)!.resolve();
    await settle();
  };
  const fail = async (index: number, message: string) => {
    pending.get(index)!.reject(new Error(message));
    await settle();
  };
  return { started, finished, runTurn, finish, fail };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function makePlayer(total: number, runTurn: (i: number) => Promise<void>, start = 0) {
  const seen: ReplaySnapshot[] = [];
  const player = new ReplayPlayer({ total, start, runTurn, delayMs: () => 0, onChange: (s) => seen.push(s) });
  return { player, seen };
}

describe('ReplayPlayer', () => {
  it('steps exactly one turn at a time', async () => {
    const turns = controllableTurns();
    const { player } = makePlayer(3, turns.runTurn);
    const step = player.step();
    await settle();
    expect(player.snapshot()).toMatchObject({ status: 'paused', inFlight: 0, position: 0 });
    // A second step while one is in flight does nothing.
    await player.step();
    expect(turns.started).toEqual([0]);
    await turns.finish(0);
    await step;
    expect(player.snapshot()).toMatchObject({ status: 'paused', inFlight: null, position: 1 });
    expect(turns.started).toEqual([0]);
  });

  it('pausing lets the turn in flight complete, stops after it, and resuming continues at the next turn', async () => {
    const turns = controllableTurns();
    const { player } = makePlayer(5, turns.runTurn);
    player.play();
    await settle();
    await turns.finish(0);
    expect(turns.started).toEqual([0, 1]);
    player.pause();
    expect(player.snapshot()).toMatchObject({ status: 'pausing', inFlight: 1, position: 1 });
    await turns.finish(1);
    expect(player.snapshot()).toMatchObject({ status: 'paused', inFlight: null, position: 2 });
    await settle();
    expect(turns.started).toEqual([0, 1]);

    player.play();
    await settle();
    expect(turns.started).toEqual([0, 1, 2]);
    for (const i of [2, 3, 4]) await turns.finish(i);
    expect(player.snapshot()).toMatchObject({ status: 'done', position: 5 });
    // Every turn played once, in order: nothing lost, nothing twice.
    expect(turns.finished).toEqual([0, 1, 2, 3, 4]);
  });

  it('a failed turn pauses the replay with the reason and is played again on resume', async () => {
    const turns = controllableTurns();
    const { player } = makePlayer(2, turns.runTurn);
    player.play();
    await settle();
    await turns.fail(0, 'the engine was lost');
    expect(player.snapshot()).toMatchObject({ status: 'paused', position: 0, error: 'the engine was lost' });
    player.play();
    await settle();
    await turns.finish(0);
    expect(player.snapshot().error).toBeNull();
    await turns.finish(1);
    expect(turns.started).toEqual([0, 0, 1]);
    expect(player.snapshot()).toMatchObject({ status: 'done', position: 2 });
  });

  it('pausing during the wait between turns stops at once', async () => {
    const turns = controllableTurns();
    const player = new ReplayPlayer({ total: 3, runTurn: turns.runTurn, delayMs: () => 60_000, onChange: () => {} });
    player.play();
    await settle();
    await turns.finish(0);
    expect(player.snapshot()).toMatchObject({ status: 'playing', inFlight: null, position: 1 });
    player.pause();
    await settle();
    expect(player.snapshot()).toMatchObject({ status: 'paused', position: 1 });
    expect(turns.started).toEqual([0]);
  });

  it('starts where an earlier run stopped, and refuses a start outside the dialogue', () => {
    const turns = controllableTurns();
    expect(makePlayer(4, turns.runTurn, 4).player.snapshot()).toMatchObject({ status: 'done', position: 4 });
    expect(makePlayer(4, turns.runTurn, 2).player.snapshot()).toMatchObject({ status: 'paused', position: 2 });
    expect(() => makePlayer(4, turns.runTurn, 5)).toThrow(/start must be between 0 and 4/);
  });
});
