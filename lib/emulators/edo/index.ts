/**
 * The ЭДО Лайт emulator (programmatic API). It is served by the True API emulator on the same port
 * (`startCzEmulator({ …, edo: { buyerAction: 'sign' } })`, then `emu.edo`), so that one token, one
 * code registry and one signature check serve both: the buyer's signature of a УПД moves its codes in
 * the registry the True API methods read.
 */
export {
  createEdoRoutes,
  type BuyerAction,
  type EdoDocument,
  type EdoEmulatorApi,
  type EdoEmulatorOptions,
  type EdoEvent,
} from './routes';
