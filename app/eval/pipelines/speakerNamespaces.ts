/** ours and mem0 keep one bank namespace per speaker, as Memory-R1 and Mem0 do on LoCoMo. */
import type { LocomoConversation } from '../locomo';

export function speakerNamespace(prefix: string, conversation: LocomoConversation, speaker: string): string {
  const i = conversation.speakers.indexOf(speaker);
  // A turn by someone not listed as a speaker gets a namespace of its own rather than an error.
  return `${prefix}/${i >= 0 ? `speaker${i + 1}` : speaker.toLowerCase().replace(/\W+/g, '-')}`;
}

export function speakerNamespaces(prefix: string, conversation: LocomoConversation): string[] {
  return conversation.speakers.map((s) => speakerNamespace(prefix, conversation, s));
}

/** The ISO date of the last ingested turn: "today" for time-aware retrieval and relative questions. */
export function lastSessionDate(turns: readonly { sessionTime: string }[]): string | undefined {
  return turns.at(-1)?.sessionTime.slice(0, 10);
}
