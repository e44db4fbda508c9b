// talisman ships CommonJS without type declarations; only its Treebank tokenizer is used (metrics.ts).
declare module 'talisman/tokenizers/words/treebank' {
  export default function tokenize(text: string): string[];
}
