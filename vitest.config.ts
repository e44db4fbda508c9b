import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real-model integration tests load a GGUF and an ONNX model on a 2-core CPU.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: model-loading files in parallel only thrash each other.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['app/**/*.test.ts', 'workers/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // React component tests (*.test.tsx) need a DOM; everything else stays in plain Node.
        extends: true,
        test: {
          name: 'dom',
          include: ['app/**/*.test.tsx'],
          environment: 'happy-dom',
        },
      },
    ],
  },
});
