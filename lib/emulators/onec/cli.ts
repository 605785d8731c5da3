/**
 * `znakflow-emulator 1c [options]`: run the 1C OData emulator until Ctrl+C.
 */
import { demoWorld } from '../demo-data';
import { startOnecEmulator, DEMO_STATUS_PROPERTY, DEMO_DOCID_PROPERTY } from './index';

const HELP = `znakflow-emulator 1c — a 1C:Enterprise 8.3 OData publication (УТ 11) with demo data

options:
  --port N            port (default 8081; 0 = any free port)
  --host H            address to bind (default 127.0.0.1)
  --base NAME         publication name (default demo): http://host:port/NAME/odata/standard.odata/
  --user U            user name (default odata)
  --password P        password (default odata)
  --latency MS        delay before every answer
  --fail-rate X       share of requests answered with an HTTP 503 page (0..1)
  --cold-start MS     delay of the first request after a minute without requests
  --extra-sales N     add N posted sales to the demo data
  --codes-per-sale N  codes per extra sale (default 5)
  --seed N            demo data seed
  --unpublish SET     leave an entity set out of the OData composition (repeatable)
  --help`;

export function parseArgs(args: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value = eq > 0 ? a.slice(eq + 1) : 'true';
    if (eq < 0 && i + 1 < args.length && !args[i + 1]!.startsWith('--')) value = args[++i]!;
    (out[name] = out[name] ?? []).push(value);
  }
  return out;
}

function num(v: string[] | undefined, name: string, def: number): number {
  if (!v) return def;
  const n = Number(v[v.length - 1]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a number`);
  return n;
}

export async function runCli(args: string[]): Promise<void> {
  const a = parseArgs(args);
  if (a['help']) {
    console.log(HELP);
    return;
  }
  const last = (k: string): string | undefined => a[k]?.[a[k]!.length - 1];
  const user = last('user') ?? 'odata';
  const password = last('password') ?? 'odata';
  const world = demoWorld({
    seed: a['seed'] ? num(a['seed'], 'seed', 0) : undefined,
    extraSales: num(a['extra-sales'], 'extra-sales', 0),
    codesPerSale: num(a['codes-per-sale'], 'codes-per-sale', 5),
  });
  const emu = await startOnecEmulator({
    port: num(a['port'], 'port', 8081),
    host: last('host') ?? '127.0.0.1',
    base: last('base') ?? 'demo',
    users: { [user]: password },
    world,
    latencyMs: num(a['latency'], 'latency', 0),
    failRate: num(a['fail-rate'], 'fail-rate', 0),
    coldStartMs: num(a['cold-start'], 'cold-start', 0),
    unpublished: a['unpublish'] ?? [],
  });
  console.log(`1C OData emulator (УТ 11 demo base) listening`);
  console.log(`  publication URL (onec-connection): ${emu.url}`);
  console.log(`  service root:                      ${emu.serviceRoot}`);
  console.log(`  user: ${user}   password: (as given with --password; default "odata")`);
  console.log(`  documents: ${world.documents.length}, marking codes: ${world.codes.length}`);
  console.log(
    `  property «Статус Честный ЗНАК» (sales; one per set, name СтатусЧестныйЗнак finds it): ${DEMO_STATUS_PROPERTY}`,
  );
  console.log(`  property «Документ Честного ЗНАКа»: ${DEMO_DOCID_PROPERTY}`);
  console.log('Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void emu.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
