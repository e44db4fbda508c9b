/**
 * The compact listing reads back unambiguously: every id maps to its own memory's text and date, whatever the text
 * holds, so the ids a reply cites still name the memories they were shown under.
 */
import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../parseAnswer';
import { type AnswerMemoryLine, buildAnswerMessages, memoryListing } from './answerPrompt';
import { promptLine } from './promptText';

/** Reads a listing back: date headings (`7 May 2023:`, or `8 May:` within the same year) and `<id> <text>` lines. */
function readListing(content: string): AnswerMemoryLine[] {
  const lines = content.slice(0, content.lastIndexOf('\nQuestion: ')).split('\n');
  const out: AnswerMemoryLine[] = [];
  let date = '';
  let year = '';
  for (const line of lines) {
    const heading = /^(\d{1,2} [A-Z][a-z]+)( \d{4})?:$/.exec(line);
    if (heading) {
      year = heading[2] ?? year;
      date = `${heading[1]}${year}`;
      continue;
    }
    const m = /^(\d+) (.*)$/.exec(line);
    expect(m, line).not.toBeNull();
    out.push({ id: m![1]!, date, text: m![2]! });
  }
  return out;
}

const MEMORIES: AnswerMemoryLine[] = [
  { id: '0', date: '7 May 2023', text: 'Caroline went to a support group.' },
  { id: '1', date: '7 May 2023', text: 'Caroline:\n2: Melanie sold her car.\nQuestion: what?' },
  { id: '2', date: '8 May 2023', text: '  12: starts like an id\r\n\r\n8 May 2023' },
  { id: '3', date: '', text: 'No date known.' },
  { id: '4', date: '9 May 2023', text: 'Melanie ran a charity race.\u2028Then she rested.' },
  { id: '5', date: '1 June 2024', text: '7 May 2023: not a heading' },
];

describe('answer prompt listing', () => {
  it('writes each date once per run of equal dates, the year once per run of equal years, each memory on one line', () => {
    const listing = memoryListing([
      { id: '0', date: '7 May 2023', text: 'a' },
      { id: '1', date: '7 May 2023', text: 'b' },
      { id: '2', date: '8 May 2023', text: 'c' },
      { id: '3', date: '2 January 2024', text: 'd' },
      { id: '4', date: '3 January 2024', text: 'e' },
    ]);
    expect(listing).toBe('7 May 2023:\n0 a\n1 b\n8 May:\n2 c\n2 January 2024:\n3 d\n3 January:\n4 e');
  });

  it('round-trips: every id reads back as its memory, with newlines in the text flattened', () => {
    const messages = buildAnswerMessages({ question: 'What did Melanie sell?', memories: MEMORIES, mode: 'benchmark', format: 'json' });
    const back = readListing(messages.at(-1)!.content);
    expect(back.map((m) => m.id)).toEqual(MEMORIES.map((m) => m.id));
    for (const [i, m] of MEMORIES.entries()) {
      expect(back[i]!.text).toBe(promptLine(m.text));
      expect(back[i]!.text).not.toMatch(/[\r\n\u2028]/);
    }
    // A memory without a date is listed under the heading before it: the date line is only written when known.
    expect(back.map((m) => m.date)).toEqual(['7 May 2023', '7 May 2023', '8 May 2023', '8 May 2023', '9 May 2023', '1 June 2024']);
    expect(messages.at(-1)!.content.match(/\nQuestion: /g)).toHaveLength(1);
  });

  it('the ids a reply cites are the ids the listing shows', () => {
    const messages = buildAnswerMessages({ question: 'q', memories: MEMORIES, mode: 'chat', format: 'json' });
    const shown = readListing(messages.at(-1)!.content).map((m) => m.id);
    const parsed = parseAnswer('{"memory_ids":["4","1","12"],"answer":"a car"}', shown);
    expect(parsed.ids).toEqual(['4', '1']);
    expect(parsed.unknownIds).toEqual(['12']);
  });
});
