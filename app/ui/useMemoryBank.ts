import { useEffect, useState } from 'react';
import type { ChatTurnMetrics } from '../chat/chatSession';
import { MemoryDB } from '../memory/db';
import { MemoryBank } from '../memory/memoryBank';
import { openRetrievalIndex } from '../memory/retrievalIndex';

declare global {
  // The developer console's handle on the bank and the chat's timings (also what e2e tests and benches read).
  var memoryR1: { bank: MemoryBank; chatMetrics: ChatTurnMetrics[] } | undefined;
}

export function useMemoryBank(): { bank: MemoryBank | null; error: string | null } {
  const [bank, setBank] = useState<MemoryBank | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let opened: MemoryBank | null = null;
    let live = true;
    // The retrieval worker, or the same index on the page when the worker cannot start: the bank opens either way.
    const index = openRetrievalIndex().then((opened) => opened.index);
    index
      .then((retrieval) => MemoryBank.open({ db: new MemoryDB(), index: retrieval, storage: navigator.storage }))
      .then((b) => {
        opened = b;
        if (!live) return b.close();
        globalThis.memoryR1 = { bank: b, chatMetrics: [] };
        setBank(b);
      })
      .catch((e: unknown) => live && setError(`The memory bank could not be opened: ${e instanceof Error ? e.message : String(e)}`));
    return () => {
      live = false;
      opened?.close();
      opened?.db.close();
      void index.then(
        (retrieval) => retrieval.dispose(),
        () => {},
      );
    };
  }, []);
  return { bank, error };
}
