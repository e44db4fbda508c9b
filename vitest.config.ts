import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['app/**/*.test.ts', 'app/**/*.test.tsx', 'workers/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // Real-model integration tests load a GGUF and an ONNX model on a 2-core CPU.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: model-loading files in parallel only thrash each other.
    fileParallelism: false,
  },
});
