#!/usr/bin/env node
/**
 * znakflow-emulator: run the bundled emulators from the command line.
 *   znakflow-emulator 1c [--port 8081] [--host 127.0.0.1] …
 *   znakflow-emulator cz [--port 9400] [--host 127.0.0.1] …
 *   znakflow-emulator demo   (both, with matching demo data)
 * Each emulator module exports `runCli(args: string[]): Promise<void>`.
 */
const COMMANDS: Record<string, string> = {
  '1c': './onec/cli',
  onec: './onec/cli',
  cz: './cz/cli',
  demo: './demo-cli',
};

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const target = cmd ? COMMANDS[cmd] : undefined;
  if (!target) {
    console.log('usage: znakflow-emulator <1c|cz|demo> [--port N] [--host H] [--help]');
    process.exitCode = cmd ? 1 : 0;
    return;
  }
  // Dispatch by name: each emulator is loaded only when asked for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(target) as { runCli(args: string[]): Promise<void> };
  await mod.runCli(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
