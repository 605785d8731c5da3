import { latestVersion, type Migration, type NodeConfig } from './migrate';
import type { NodeAPI, NodeDefBase, RuntimeNode } from './types';

export type CredentialSpec = Record<string, { type: 'text' | 'password' }>;

/**
 * A node type with its config defaults (its model.ts) and migrations. registerNodeType serves the
 * defaults to the editor as the exportable setting `<camelType>Defaults` (RED.settings.czSendDefaults…),
 * from which the dialog builds its `defaults`: one source of the defaults for the runtime, the migrations
 * and the editor.
 */
export interface NodeTypeSpec {
  type: string;
  defaults: NodeConfig;
  migrations: readonly Migration[];
  /**
   * The values a property may take, as the runtime's schema knows them (e.g. cz-map-document's document
   * kinds): served as `<camelType>Choices`, the dialog's lists are built from it (no hand copy).
   */
  choices?: Record<string, readonly string[]>;
}

/** Node-RED's name for a node type in settings: `cz-send` → `czSend` (as @node-red/util normalises it). */
export function settingsPrefix(type: string): string {
  const words = type
    .replace(/[^a-zA-Z0-9]/g, ' ')
    .trim()
    .split(/ +/);
  const camel = words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  return camel.charAt(0).toLowerCase() + camel.slice(1);
}

/** The name of the setting that carries a node type's defaults to the editor. */
export function defaultsSetting(type: string): string {
  return `${settingsPrefix(type)}Defaults`;
}

/** The name of the setting that carries a node type's choices (the values of its lists) to the editor. */
export function choicesSetting(type: string): string {
  return `${settingsPrefix(type)}Choices`;
}

/** What the editor gets: every default of the model, and the current flow-schema version. */
export function editorDefaults(defaults: NodeConfig, migrations: readonly Migration[] = []): NodeConfig {
  return { ...defaults, version: latestVersion(migrations) };
}

/**
 * Register a node type with a constructor written as a plain function of (node, def). Keeps
 * the `this`-based constructor the runtime expects out of the node files. Given a {@link NodeTypeSpec},
 * its defaults are served to the editor.
 */
export function registerNodeType<N extends RuntimeNode>(
  RED: NodeAPI,
  spec: string | NodeTypeSpec,
  init: (node: N, def: NodeDefBase) => void,
  credentials?: CredentialSpec,
): void {
  const type = typeof spec === 'string' ? spec : spec.type;
  function NodeCtor(this: N, def: NodeDefBase): void {
    RED.nodes.createNode(this, def);
    init(this, def);
  }
  const settings =
    typeof spec === 'string'
      ? undefined
      : {
          [defaultsSetting(type)]: {
            value: editorDefaults(spec.defaults, spec.migrations),
            exportable: true,
          },
          ...(spec.choices ? { [choicesSetting(type)]: { value: spec.choices, exportable: true } } : {}),
        };
  const opts = { ...(credentials ? { credentials } : {}), ...(settings ? { settings } : {}) };
  RED.nodes.registerType(
    type,
    NodeCtor as unknown as new (def: NodeDefBase) => unknown,
    credentials || settings ? opts : undefined,
  );
}

/** `${VAR}` lookup with Node-RED's own precedence (node → flow → global env → process.env). */
export function envLookup(RED: NodeAPI, node: RuntimeNode): (name: string) => string | undefined {
  return (name) => {
    try {
      const v = RED.util.getSetting(node, name);
      return v === undefined || v === null ? process.env[name] : String(v);
    } catch {
      return process.env[name];
    }
  };
}
