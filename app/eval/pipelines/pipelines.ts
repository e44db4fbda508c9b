/** The compared pipelines by name, in the order reports list them. */
import type { EvalPipeline, PipelineName } from './evalPipeline';
import { evidencePipeline } from './evidencePipeline';
import { fullContextPipeline } from './fullContextPipeline';
import { mem0Pipeline } from './mem0Pipeline';
import { oursPipeline } from './oursPipeline';
import { ragPipeline } from './ragPipeline';

export const PIPELINES: Record<PipelineName, EvalPipeline> = {
  ours: oursPipeline,
  mem0: mem0Pipeline,
  rag: ragPipeline,
  full: fullContextPipeline,
  evidence: evidencePipeline,
};

/** "ours,rag" → the pipelines, each once; an unknown name is an error that lists the known ones. */
export function parsePipelineList(value: string): PipelineName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error('no pipeline named: use one or more of ours, mem0, rag, full');
  for (const n of names) if (!(n in PIPELINES)) throw new Error(`unknown pipeline "${n}": use one or more of ours, mem0, rag, full`);
  return [...new Set(names)] as PipelineName[];
}
