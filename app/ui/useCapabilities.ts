import { useEffect, useState } from 'react';
import type { Capabilities } from '../llm/capabilities';
import { probeCapabilities } from '../llm/capabilities';

export function useCapabilities(): Capabilities | null {
  const [caps, setCaps] = useState<Capabilities | null>(null);
  useEffect(() => {
    let live = true;
    void probeCapabilities({ navigator, crossOriginIsolated: globalThis.crossOriginIsolated === true }).then((c) => {
      if (live) setCaps(c);
    });
    return () => {
      live = false;
    };
  }, []);
  return caps;
}
