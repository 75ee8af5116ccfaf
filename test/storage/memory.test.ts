import { MemoryBackend } from '../../src/storage/memory.js';
import { runConformanceSuite } from './conformance.js';
import { FaultyBackend } from './harness.js';

// Memory has no network or filesystem to fail, so its transient and permanent faults are
// injected by FaultyBackend in front of it; corruption is a byte flipped in the store.
runConformanceSuite('memory', async () => {
  const memory = new MemoryBackend({ location: 'mem://conformance' });
  const faulty = new FaultyBackend(memory);
  return {
    backend: faulty,
    sourceReads: 1,
    corrupt: async (key) => memory.damageForTesting(key, 1000),
    injectTransient: async (operation, times) => faulty.failNext(operation, times, true),
    injectPermanent: async (key) => faulty.failNext('put', 1, false, key),
    leftovers: async () => [],
    permanentMessage: /injected permanent fault/,
    close: async () => undefined,
  };
});
