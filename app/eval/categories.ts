/**
 * LoCoMo's question categories. The file's codes and the names its authors meant differ from the labels Mem0's and
 * Memory-R1's tables print for the same codes, so every report shows the code and both names: comparing a figure
 * with a paper's table needs the paper's label, reading the file needs the code.
 */

export interface LocomoCategory {
  code: number;
  /** What the code means in the LoCoMo file (Maharana et al.). */
  fileName: string;
  /** The label Mem0's and Memory-R1's result tables use for the same code. */
  paperName: string;
  /** Category 5 (adversarial) has no gold answer and is never scored. */
  scored: boolean;
}

export const LOCOMO_CATEGORIES: readonly LocomoCategory[] = [
  { code: 1, fileName: 'multi-hop', paperName: 'single-hop', scored: true },
  { code: 2, fileName: 'temporal', paperName: 'temporal', scored: true },
  { code: 3, fileName: 'open-domain', paperName: 'multi-hop', scored: true },
  { code: 4, fileName: 'single-hop', paperName: 'open-domain', scored: true },
  { code: 5, fileName: 'adversarial', paperName: 'adversarial', scored: false },
];

export const SCORED_CATEGORY_CODES: readonly number[] = LOCOMO_CATEGORIES.filter((c) => c.scored).map((c) => c.code);

export function isScoredCategory(code: number): boolean {
  return SCORED_CATEGORY_CODES.includes(code);
}

/** "1 multi-hop (Mem0/Memory-R1: single-hop)"; an unknown code is shown as itself. */
export function categoryLabel(code: number): string {
  const c = LOCOMO_CATEGORIES.find((x) => x.code === code);
  if (!c) return `${code} (unknown category)`;
  return c.fileName === c.paperName ? `${code} ${c.fileName}` : `${code} ${c.fileName} (Mem0/Memory-R1: ${c.paperName})`;
}
