/**
 * The desk of one Честный ЗНАК participant: everything a `cz-connection` owns and shares with the
 * nodes that use it — the signer, the True API client with its rate limiter, the journal with its
 * outbox and status tracker, the polling loop that follows the pending documents, the limit of
 * documents sent at the same time, and the registry of confirmations addressed to its cz-status
 * nodes. One desk per config node, created when it starts and closed when it stops (docs/architecture.md).
 *
 * Nodes register with the desk while they run and deregister when they close (as Node-RED's MQTT
 * broker node does with its users); the desk tells every registered user its state, so a connection
 * with bad settings or a refused sign-in shows on every node that uses it.
 */
import { toZnakFlowError, ZnakFlowError } from '../errors';
import { Semaphore } from '../semaphore';
import type { SignerSecrets } from '../signing/index';
import type { Signer } from '../signing/types';
import { Confirmations } from '../journal/ack';
import { Journal, journalFile } from '../journal/journal';
import { Outbox } from '../journal/outbox';
import { Poller, type PollSubscriber } from '../journal/poller';
import { StatusTracker } from '../journal/tracker';
import type { CzClient, CzClientOptions } from './client';
import { createConnection, type CzConnection } from './connection';
import { journalApi } from './journal-api';
import { baseUrl, type CzConnectionSettings } from './settings';

/**
 * - `ready`: the settings are valid (signed in, or not asked to yet);
 * - `failed`: the settings are invalid (`stage: 'config'`) or Честный ЗНАК refused the sign-in
 *   (`stage: 'sign-in'`; a sign-in that may pass — network, 5xx — does not count: that is an outage);
 * - `closed`: the desk was closed.
 */
export type DeskState =
  | { kind: 'ready' }
  | { kind: 'failed'; stage: 'config' | 'sign-in'; error: ZnakFlowError }
  | { kind: 'closed' };

/** A node using the desk. */
export interface DeskUser {
  id: string;
  /** the desk's state changed (also called on register when the desk has failed) */
  onDeskState?(state: DeskState): void;
}

export interface CzDeskOptions {
  /** valid settings, or `problem` when they are not */
  settings?: CzConnectionSettings;
  problem?: ZnakFlowError;
  secrets?: SignerSecrets;
  /** where the journal file lives (Node-RED's userDir/znakflow) */
  stateDir: string;
  /** finished documents stay in the journal this long (default 30 days) */
  horizonMs?: number;
  /** superseded journal lines before it is rewritten */
  compactSlack?: number;
  /** expected processing time of a sent document: the poller's first look (lib/journal/poller.ts) */
  firstLookMs?: number;
  /** client options (tests, proxies) */
  client?: Partial<CzClientOptions>;
  /** the СУЗ registration key (credentials), for registering the integration connection */
  omsRegistrationKey?: string;
}

/** A column of a service's table in the sidebar. */
export interface SummaryColumn {
  key: string;
  ru: string;
  en: string;
}

/**
 * What a service shows in the sidebar and the metrics (served by the journal endpoint beside the
 * documents of the journal): a titled table and counters.
 */
export interface DeskServiceSummary {
  /** the service key (`edo`, `suz`, …) */
  kind: string;
  title: { ru: string; en: string };
  columns: SummaryColumn[];
  rows: Array<Record<string, string | number | boolean | null>>;
  /** e.g. `{ outgoingThisYear: 12, limit: 1000 }` */
  counters?: Record<string, number>;
  /** a warning to show (e.g. a quota almost used, a balance below its threshold) */
  warning?: { ru: string; en: string };
}

/** A service the desk holds for its users (the ЭДО Лайт and СУЗ sides: lib/edo/desk.ts, lib/suz/desk.ts). */
export interface DeskService {
  close(): void;
  /** what the sidebar shows of it (optional) */
  summary?(): DeskServiceSummary;
}

/** The journal of the desk and what works on it. */
export interface DeskJournal {
  journal: Journal;
  outbox: Outbox;
  tracker: StatusTracker;
  poller: Poller;
}

/** The same state (a failure again with the same code and text is not news). */
function sameState(a: DeskState, b: DeskState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind !== 'failed' || b.kind !== 'failed') return true;
  return a.stage === b.stage && a.error.code === b.error.code && a.error.message === b.error.message;
}

function closedError(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'NO_CONNECTION',
    ru: 'подключение к Честному ЗНАКу закрыто',
    en: 'the Chestny ZNAK connection is closed',
    source: 'config',
  });
}

export class CzDesk {
  readonly settings?: CzConnectionSettings;
  /** the configuration problem (invalid settings, a signer that cannot be built) */
  readonly problem?: ZnakFlowError;
  /** confirmations addressed to this connection's cz-status nodes (lib/journal/ack.ts) */
  readonly confirmations = new Confirmations();
  /** documents sent at the same time through this connection (the `concurrency` setting) */
  readonly slots: Semaphore;
  readonly concurrency: number;
  private connection?: CzConnection;
  private readonly users = new Map<string, DeskUser>();
  private opened?: DeskJournal;
  private signInError?: ZnakFlowError;
  private closed = false;
  private readonly services = new Map<string, DeskService>();

  constructor(private readonly opts: CzDeskOptions) {
    this.settings = opts.settings;
    let problem = opts.problem;
    if (!problem && !opts.settings) problem = closedError();
    if (!problem && opts.settings) {
      try {
        this.connection = createConnection(opts.settings, opts.secrets ?? {}, {
          ...opts.client,
          onSignIn: (err) => this.signedIn(err),
        });
      } catch (err) {
        problem =
          err instanceof ZnakFlowError
            ? err
            : new ZnakFlowError({
                code: 'SIGNER_CONFIG',
                ru: String(err),
                en: String(err),
                source: 'config',
              });
      }
    }
    this.problem = problem;
    this.concurrency = Math.max(1, Math.min(16, Math.round(opts.settings?.concurrency ?? 4)));
    this.slots = new Semaphore(this.concurrency);
  }

  get state(): DeskState {
    if (this.closed) return { kind: 'closed' };
    if (this.problem) return { kind: 'failed', stage: 'config', error: this.problem };
    if (this.signInError) return { kind: 'failed', stage: 'sign-in', error: this.signInError };
    return { kind: 'ready' };
  }

  /** The True API client; throws the configuration problem (or that the desk is closed). */
  client(): CzClient {
    return this.open().client;
  }

  /** The signer; throws the configuration problem (or that the desk is closed). */
  signer(): Signer {
    return this.open().signer;
  }

  /** The signer, client and limiter, when the settings are valid and the desk is open. */
  get czConnection(): CzConnection | undefined {
    return this.closed ? undefined : this.connection;
  }

  register(user: DeskUser): void {
    this.users.set(user.id, user);
    const s = this.state;
    if (s.kind === 'failed') this.tell(user, s);
  }

  /** A node stops using the desk; `done` (Node-RED's close callback style) is called at once. */
  deregister(user: DeskUser, done?: () => void): void {
    if (this.users.get(user.id) === user) this.users.delete(user.id);
    done?.();
  }

  /** Ids of the registered users. */
  registered(): string[] {
    return [...this.users.keys()];
  }

  /**
   * The participant's journal (opened on first use: a connection used only for code checks or the
   * balance keeps no file), with its outbox, tracker and polling loop.
   */
  journal(): DeskJournal {
    if (this.opened) return this.opened;
    const conn = this.open();
    const settings = this.settings as CzConnectionSettings;
    const file = journalFile(this.opts.stateDir, baseUrl(settings), settings.participantInn);
    const journal = Journal.open(file, {
      participantInn: settings.participantInn,
      stand: baseUrl(settings),
      horizonMs: this.opts.horizonMs ?? 30 * 86400000,
      compactSlack: this.opts.compactSlack,
    });
    const api = journalApi(conn.client);
    const tracker = new StatusTracker(journal, api);
    this.opened = {
      journal,
      outbox: new Outbox(journal, api),
      tracker,
      poller: new Poller({
        pending: () => journal.pending(),
        poll: (pending) => tracker.poll(pending),
        firstLookMs: this.opts.firstLookMs,
      }),
    };
    return this.opened;
  }

  /** Where the desk's files live (Node-RED's userDir/znakflow). */
  get stateDir(): string {
    return this.opts.stateDir;
  }

  get horizonMs(): number {
    return this.opts.horizonMs ?? 30 * 86400000;
  }

  get compactSlack(): number | undefined {
    return this.opts.compactSlack;
  }

  get omsRegistrationKey(): string | undefined {
    return this.opts.omsRegistrationKey;
  }

  /**
   * The service kept under `key`, made by `make` on first use (after the settings are checked: a
   * desk with a problem or closed throws it) and closed with the desk.
   */
  service<T extends DeskService>(key: string, make: (conn: CzConnection) => T): T {
    const had = this.services.get(key);
    if (had) return had as T;
    const conn = this.open();
    const made = make(conn);
    this.services.set(key, made);
    return made;
  }

  /** The sidebar tables of the services made so far (a service that fails to answer is left out). */
  summaries(): DeskServiceSummary[] {
    const out: DeskServiceSummary[] = [];
    for (const svc of this.services.values()) {
      try {
        const s = svc.summary?.();
        if (s) out.push(s);
      } catch {
        // a failing summary must not break the sidebar
      }
    }
    return out;
  }

  /** Follow the pending documents of the journal (see Poller). */
  follow(sub: PollSubscriber): () => void {
    return this.journal().poller.subscribe(sub);
  }

  /** Close everything: the polling loop, the journal (released), the client and the signer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const users = [...this.users.values()];
    this.users.clear();
    this.confirmations.clear();
    for (const svc of this.services.values()) {
      try {
        svc.close();
      } catch {
        // one service failing to close must not keep the others (or the journal) open
      }
    }
    this.services.clear();
    if (this.opened) {
      this.opened.poller.close();
      this.opened.journal.release();
      this.opened = undefined;
    }
    const c = this.connection;
    this.connection = undefined;
    c?.close();
    for (const u of users) this.tell(u, { kind: 'closed' });
  }

  private open(): CzConnection {
    if (this.problem) throw this.problem;
    if (this.closed || !this.connection) throw closedError();
    return this.connection;
  }

  private signedIn(err: unknown): void {
    if (this.closed) return;
    const before = this.state;
    if (err === undefined) this.signInError = undefined;
    else {
      const e = toZnakFlowError(err, 'cz');
      // a sign-in that may pass (network, 5xx, 429) or that was aborted is an outage, not a refusal
      if (e.retryable || e.code === 'ABORTED') return;
      this.signInError = e;
    }
    const after = this.state;
    if (sameState(before, after)) return;
    for (const u of this.users.values()) this.tell(u, after);
  }

  private tell(user: DeskUser, state: DeskState): void {
    try {
      user.onDeskState?.(state);
    } catch {
      // a user's failure must not break the desk or the other users
    }
  }
}
