/**
 * The True API emulator (programmatic API). Start it with a trusted CA; it serves the production
 * paths, verifies real GOST signatures, keeps a registry of participants and codes seeded from the
 * demo world, and processes documents asynchronously:
 *
 *   const emu = await startCzEmulator({ caCertPath, processingDelayMs: 200 });
 *   // … client → emu.url …
 *   emu.documents();            // every document received (duplicates included)
 *   emu.counters['lk/documents/create'];
 *   await emu.stop();
 */
export {
  startCzEmulator,
  type CzEmulator,
  type CzEmulatorOptions,
  type EmulatorHost,
  type EmulatorMount,
  type FaultOptions,
} from './server';
export { Registry, type CodeRecord, type Participant, type CodeStatus } from './registry';
export {
  type EmulatorDocument,
  processDocument,
  MODELLED_TYPES,
  SUBMITTABLE_TYPES,
  E as EMULATOR_ERRORS,
} from './documents';
export { emulatorValidate, emulatorNormalize } from './validate';
export { verifySignature } from './verify';
