/**
 * `${VAR}` in config fields. Node-RED itself substitutes a value that is *entirely* `${VAR}`;
 * this also expands variables embedded in a longer value (`http://${ONEC_HOST}/base`), looking
 * them up the way Node-RED does (node → flow → global env → process.env) when a lookup is given.
 */
import type { NodeAPI } from './types';

export type EnvLookup = (name: string) => string | undefined;

/**
 * Variables of the runtime outside any node (the admin endpoints of the test buttons): Node-RED's
 * global environment (settings.js, the global env tab), then process.env.
 */
export function globalEnvLookup(RED: NodeAPI): EnvLookup {
  return (name) => {
    try {
      const v = RED.util.getSetting(undefined, name);
      return v === undefined || v === null ? process.env[name] : String(v);
    } catch {
      return process.env[name];
    }
  };
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function expandEnv(value: string, lookup: EnvLookup = (n) => process.env[n]): string {
  return value.replace(ENV_REF, (whole, name: string) => {
    const v = lookup(name);
    return v === undefined ? whole : v;
  });
}

export function hasEnvRef(value: unknown): boolean {
  return typeof value === 'string' && /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value);
}

/** Names of variables referenced but not defined: used for clear errors. */
export function missingEnv(value: string, lookup: EnvLookup = (n) => process.env[n]): string[] {
  const missing: string[] = [];
  for (const m of value.matchAll(ENV_REF)) {
    const name = m[1];
    if (name !== undefined && lookup(name) === undefined) missing.push(name);
  }
  return missing;
}
