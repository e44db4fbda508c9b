import { describe, expect, it } from 'vitest';
import { probeCapabilities } from './capabilities';

/** The navigator as a browser without WebGPU, or with WebGPU that gives no adapter, presents it. */
function navigatorWith(gpu: unknown): Navigator {
  return { hardwareConcurrency: 4, ...(gpu === undefined ? {} : { gpu }) } as unknown as Navigator;
}

describe('probeCapabilities says which part of WebGPU is missing', () => {
  it('no navigator.gpu: the API is missing', async () => {
    const caps = await probeCapabilities({ navigator: navigatorWith(undefined), crossOriginIsolated: true });
    expect(caps.webgpu).toBeNull();
    expect(caps.webgpuMissing).toBe('api');
  });

  it('navigator.gpu without an adapter, or a failed request for one: the adapter is missing', async () => {
    const none = await probeCapabilities({ navigator: navigatorWith({ requestAdapter: async () => null }), crossOriginIsolated: true });
    expect(none.webgpuMissing).toBe('adapter');
    expect(none.webgpuProblem).toMatch(/no adapter/);
    const failed = await probeCapabilities({
      navigator: navigatorWith({
        requestAdapter: async () => {
          throw new Error('Device lost');
        },
      }),
      crossOriginIsolated: true,
    });
    expect(failed.webgpuMissing).toBe('adapter');
    expect(failed.webgpuProblem).toBe('WebGPU adapter request failed: Device lost');
  });
});
