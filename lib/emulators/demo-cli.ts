/**
 * `znakflow-emulator demo [--dir D] [--onec-port 8081] [--cz-port 9400]`: both emulators with the
 * demo world and a demo GOST signer; prints the environment to give your own Node-RED.
 */
import os from 'node:os';
import path from 'node:path';
import { startDemo } from './demo';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function runCli(args: string[]): Promise<void> {
  if (args.includes('--help')) {
    console.log(
      'usage: znakflow-emulator demo [--dir DIR] [--onec-port 8081] [--cz-port 9400] [--api-rules 2027|2026]',
    );
    return;
  }
  const rules = arg(args, '--api-rules');
  if (rules !== undefined && rules !== '2027' && rules !== '2026') {
    throw new Error('--api-rules needs 2027 or 2026');
  }
  const d = await startDemo({
    dir: arg(args, '--dir') ?? path.join(os.homedir(), '.znakflow', 'demo'),
    onecPort: Number(arg(args, '--onec-port') ?? 8081),
    czPort: Number(arg(args, '--cz-port') ?? 9400),
    cz: { apiRules: rules },
    world: { furs: true, transfers: true },
  });
  for (const l of d.describe()) console.log(l);
  console.log('\nEnvironment for Node-RED (then import examples/standard-sync.json):');
  for (const [k, v] of Object.entries(d.env)) console.log(`  export ${k}=${v}`);
  const stop = (): void => {
    void d.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
