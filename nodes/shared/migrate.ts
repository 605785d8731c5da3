/**
 * Flow-schema versioning. Each node type has a `version` property; a flow exported by an older
 * version of the pack is brought up to date by a chain of migrations when the node starts
 * (and, in the editor, when the dialog opens). A config without `version` is version 0.
 */
export type NodeConfig = Record<string, unknown>;

export interface Migration {
  /** the version this step produces */
  to: number;
  up(config: NodeConfig): NodeConfig;
}

export function configVersion(config: NodeConfig): number {
  const v = Number(config['version']);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export function migrate(config: NodeConfig, migrations: readonly Migration[]): NodeConfig {
  let current = { ...config };
  const from = configVersion(current);
  const steps = [...migrations].sort((a, b) => a.to - b.to).filter((m) => m.to > from);
  for (const step of steps) {
    current = { ...step.up(current), version: step.to };
  }
  return current;
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.to), 0);
}

/** Migration 0 → 1: fill defaults that flows from before versioning may lack. */
export function fillDefaults(defaults: NodeConfig): Migration {
  return {
    to: 1,
    up(config) {
      const out = { ...config };
      for (const [k, v] of Object.entries(defaults)) {
        if (out[k] === undefined || out[k] === null) out[k] = v;
      }
      return out;
    },
  };
}
