/**
 * The LoCoMo benchmark's file format (Maharana et al., ACL 2024): a list of conversations, each with sessions of
 * turns and their date-times, the facts the authors observed per session and speaker, and QA with evidence.
 * Users bring the full public locomo10.json; nothing of the dataset ships with the app.
 */

export interface LocomoTurn {
  diaId: string;
  speaker: string;
  text: string;
  /** Image turns: the caption BLIP wrote for the shared image. */
  imageCaption?: string;
  session: number;
  /** ISO date-time of the session. */
  sessionTime: string;
}

export interface LocomoObservation {
  speaker: string;
  fact: string;
  diaIds: string[];
  session: number;
  sessionTime: string;
}

export interface LocomoQuestion {
  question: string;
  /** Category 5 (adversarial) has none. Numbers in the file become strings. */
  answer: string | null;
  evidence: string[];
  category: number;
}

export interface LocomoConversation {
  sampleId: string;
  speakers: [string, string];
  turns: LocomoTurn[];
  observations: LocomoObservation[];
  questions: LocomoQuestion[];
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** "1:56 pm on 8 May, 2023" → "2023-05-08T13:56". */
export function parseLocomoDateTime(value: string): string {
  const m = /^\s*(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$/i.exec(value);
  const month = m ? MONTHS.indexOf(m[5]!.toLowerCase()) : -1;
  if (!m || month < 0) throw new Error(`not a LoCoMo session date-time: "${value}"`);
  let hour = Number(m[1]) % 12;
  if (m[3]!.toLowerCase() === 'pm') hour += 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${m[6]}-${pad(month + 1)}-${pad(Number(m[4]))}T${pad(hour)}:${m[2]}`;
}

function fail(where: string, what: string): never {
  throw new Error(`not a LoCoMo file: ${where} ${what}`);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'is not an object');
  return value as Record<string, unknown>;
}

export function parseLocomo(json: unknown): LocomoConversation[] {
  if (!Array.isArray(json)) fail('the file', 'is not a list of conversations');
  return json.map((raw, i) => {
    const sample = record(raw, `conversation ${i}`);
    const sampleId = typeof sample.sample_id === 'string' ? sample.sample_id : `conversation-${i}`;
    const conv = record(sample.conversation, `${sampleId}.conversation`);
    const speakers: [string, string] = [String(conv.speaker_a ?? ''), String(conv.speaker_b ?? '')];
    const turns: LocomoTurn[] = [];
    const sessionTimes = new Map<number, string>();
    for (const key of Object.keys(conv)) {
      const m = /^session_(\d+)_date_time$/.exec(key);
      if (m) sessionTimes.set(Number(m[1]), parseLocomoDateTime(String(conv[key])));
    }
    for (const [session, sessionTime] of [...sessionTimes].sort((a, b) => a[0] - b[0])) {
      // Some date-times have no session: skip them.
      const list = conv[`session_${session}`];
      if (list === undefined) continue;
      if (!Array.isArray(list)) fail(`${sampleId}.session_${session}`, 'is not a list of turns');
      for (const t of list) {
        const turn = record(t, `${sampleId}.session_${session} turn`);
        if (typeof turn.dia_id !== 'string' || typeof turn.speaker !== 'string' || typeof turn.text !== 'string') {
          fail(`${sampleId}.session_${session}`, 'has a turn without dia_id, speaker or text');
        }
        turns.push({
          diaId: turn.dia_id,
          speaker: turn.speaker,
          text: turn.text,
          ...(typeof turn.blip_caption === 'string' ? { imageCaption: turn.blip_caption } : {}),
          session,
          sessionTime,
        });
      }
    }
    const observations: LocomoObservation[] = [];
    const obs = sample.observation === undefined ? {} : record(sample.observation, `${sampleId}.observation`);
    for (const [key, perSpeaker] of Object.entries(obs)) {
      const session = Number(/^session_(\d+)_observation$/.exec(key)?.[1]);
      const sessionTime = sessionTimes.get(session);
      if (!sessionTime) continue;
      for (const [speaker, facts] of Object.entries(record(perSpeaker, `${sampleId}.${key}`))) {
        if (!Array.isArray(facts)) continue;
        for (const f of facts) {
          if (!Array.isArray(f) || typeof f[0] !== 'string') continue;
          const ids = Array.isArray(f[1]) ? f[1].map(String) : [String(f[1])];
          observations.push({ speaker, fact: f[0], diaIds: ids, session, sessionTime });
        }
      }
    }
    const qa = Array.isArray(sample.qa) ? sample.qa : [];
    const questions: LocomoQuestion[] = qa.map((q, j) => {
      const item = record(q, `${sampleId}.qa[${j}]`);
      if (typeof item.question !== 'string') fail(`${sampleId}.qa[${j}]`, 'has no question');
      const category = Number(item.category);
      return {
        question: item.question,
        answer: item.answer === undefined || item.answer === null ? null : String(item.answer),
        evidence: Array.isArray(item.evidence) ? item.evidence.map(String) : [],
        category,
      };
    });
    return { sampleId, speakers, turns, observations, questions };
  });
}

/** Turn text as retrieval and full-context prompts see it: speaker first, image captions included. */
export function turnText(turn: LocomoTurn): string {
  return `${turn.speaker}: ${turn.text}${turn.imageCaption ? ` [shares an image: ${turn.imageCaption}]` : ''}`;
}
