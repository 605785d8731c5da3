/**
 * The СУЗ (OMS) emulator, mounted on the True API emulator's host:
 *
 *   const suz = createSuzEmulator();
 *   const emu = await startCzEmulator({ caCertPath, mounts: [suz.mount] });
 *   // СУЗ at emu.url/api/v3/…, its client token from emu.url/api/v3/true-api/auth/simpleSignIn/{omsConnection}
 */
export {
  createSuzEmulator,
  AUTO_UTILISATION_GROUPS,
  DEMO_OMS_CONNECTION,
  DEMO_OMS_ID,
  type SuzEmulator,
  type SuzEmulatorOptions,
  type SuzFaultOptions,
  type SuzOrder,
  type SuzBlock,
  type SuzReport,
  type SuzRoute,
} from './server';
export { emitCode, serialLength, selfMadeLength } from './codes';
