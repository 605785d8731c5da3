import type { Confirmations } from '../../lib/journal/ack';
import type { ZnakFlowError } from '../../lib/errors';
import type { OnecClient, OnecClientOptions, ProxyConfig } from '../../lib/onec/client';
import type { OnecConnectionSettings } from '../../lib/onec/settings';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';
import type { RuntimeNode } from '../shared/types';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const ONEC_CONNECTION_DEFAULTS = {
  name: '',
  url: '',
  timeout: 30000,
  caFile: '',
  /** an `http proxy` config node ('' = none) */
  proxy: '',
};

export const ONEC_CONNECTION_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    timeout: ONEC_CONNECTION_DEFAULTS.timeout,
    caFile: ONEC_CONNECTION_DEFAULTS.caFile,
    proxy: ONEC_CONNECTION_DEFAULTS.proxy,
  }),
];

export interface OnecConnectionNode extends RuntimeNode {
  /** validated settings, or undefined when the configuration is invalid */
  settings?: OnecConnectionSettings;
  /** why the configuration is invalid */
  problem?: ZnakFlowError;
  username: string;
  password: string;
  /** the one client of this connection, shared by every node using it (throws `problem`) */
  getClient(): OnecClient;
  /**
   * Confirmations addressed to the watches of this connection's onec-read nodes: cz-send and
   * onec-write confirm through it what they settled (msg.onec.watch, lib/journal/ack.ts).
   */
  confirmations: Confirmations;
}

/** What a Node-RED `http proxy` config node offers at run time. */
export interface HttpProxyNode {
  url?: string;
  noproxy?: string[];
  credentials?: { username?: string; password?: string };
}

export function proxyFromNode(p: HttpProxyNode | null | undefined): ProxyConfig | undefined {
  if (!p || typeof p.url !== 'string' || !p.url) return undefined;
  return {
    url: p.url,
    username: p.credentials?.username || undefined,
    password: p.credentials?.password || undefined,
    noProxy: Array.isArray(p.noproxy) ? p.noproxy : [],
  };
}

export function clientOptions(
  settings: OnecConnectionSettings,
  username: string,
  password: string,
  proxy: ProxyConfig | undefined,
): OnecClientOptions {
  return {
    url: settings.url,
    username,
    password,
    timeout: settings.timeout,
    caFile: settings.caFile || undefined,
    proxy,
  };
}

/** Entity sets the presets rely on, reported by the "Test connection" button. */
export const EXPECTED_SETS: readonly string[] = [
  'Document_РеализацияТоваровУслуг',
  'Document_ПриобретениеТоваровУслуг',
  'Catalog_Организации',
  'Catalog_Контрагенты',
  'Catalog_Номенклатура',
  'Catalog_ШтрихкодыУпаковокТоваров',
  // the warehouses' addresses: the business place of withdrawals (LK_RECEIPT kpp, fias_id)
  'Catalog_Склады',
  'InformationRegister_ДополнительныеСведения',
  'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения',
  'Catalog_НаборыДополнительныхРеквизитовИСведений',
];

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const ONEC_CONNECTION_NODE: NodeTypeSpec = {
  type: 'onec-connection',
  defaults: ONEC_CONNECTION_DEFAULTS,
  migrations: ONEC_CONNECTION_MIGRATIONS,
};
