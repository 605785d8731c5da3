/**
 * Test support: the 1C emulator for one `describe` and a fresh OnecClient (user odata/odata) for
 * each test, with the request counters reset before each. Call inside `describe`; read `bed.emu`
 * and `bed.client` inside the tests.
 */
import { startOnecEmulator, type OnecEmulator, type OnecEmulatorOptions } from '../../lib/emulators/onec';
import { OnecClient } from '../../lib/onec/client';

export interface OnecBed {
  readonly emu: OnecEmulator;
  readonly client: OnecClient;
}

export function useOnecBed(opts: OnecEmulatorOptions = {}): OnecBed {
  let emu: OnecEmulator | undefined;
  let client: OnecClient | undefined;
  before(async () => {
    emu = await startOnecEmulator(opts);
  });
  beforeEach(() => {
    emu!.requests.reset();
    client = new OnecClient({ url: emu!.url, username: 'odata', password: 'odata' });
  });
  afterEach(async () => {
    await client?.close();
  });
  after(async () => {
    await emu?.stop();
  });
  return {
    get emu(): OnecEmulator {
      return emu!;
    },
    get client(): OnecClient {
      return client!;
    },
  };
}
