/**
 * The True API emulator's registry: participants (with personal-account balances) and marking
 * codes (status, owner, aggregation), changed by documents the way the real system changes them
 * («Описание True API», codes status dictionary; ⚠ transitions inferred). Seeded from the shared demo world so that the 1C emulator's demo
 * documents refer to codes this registry knows.
 */
import type { DemoWorld } from '../demo-data';
import { productGroup } from '../../cz/product-groups';

export type CodeStatus =
  | 'EMITTED'
  | 'APPLIED'
  | 'INTRODUCED'
  | 'WRITTEN_OFF'
  | 'RETIRED'
  | 'WITHDRAWN'
  | 'DISAGGREGATION'
  | 'DISAGGREGATED'
  | 'APPLIED_NOT_PAID';

export type PackageType = 'UNIT' | 'GROUP' | 'SET' | 'BUNDLE' | 'BOX' | 'ATK';

export interface Participant {
  inn: string;
  name: string;
  /** participant id (`pid` of the token, `organisationId` of the balance) */
  pid: number;
  /** registered in ГИС МТ (unregistered ones are known only as counterparties) */
  registered: boolean;
  blocked: boolean;
  /** INNs of persons who may sign in for this organisation under an МЧД (`inn` of simpleSignIn) */
  trustees: Set<string>;
  /** personal-account balance in kopecks per product-group id (no entry: no account) */
  balances: Map<number, number>;
}

export interface CodeRecord {
  cis: string;
  gtin: string;
  pg: string;
  status: CodeStatus;
  /** special state (`statusEx`), e.g. WAIT_SHIPMENT, REMARK_RETIRED */
  statusEx?: string;
  ownerInn: string;
  producerInn: string;
  emissionType: 'LOCAL' | 'FOREIGN' | 'REMAINS' | 'CROSSBORDER' | 'REMARK' | 'COMMISSION' | 'REAPPLY';
  packageType: PackageType;
  /** the aggregate this code is packed in */
  parent?: string;
  /** codes packed in this aggregate */
  children: string[];
  productName?: string;
  tnved?: string;
  emissionDate: string;
  applicationDate?: string;
  introducedDate?: string;
  withdrawReason?: string;
  turnoverType?: string;
  /** id of a shipment waiting for acceptance that holds this code */
  pendingShipment?: string;
}

/** A business place (МОД) registered for a participant («Описание True API» v553 §3.3 mods/list). */
export interface ModRecord {
  inn: string;
  kpp: string;
  /** FIAS id of the address (UUID) */
  fiasId: string;
  address: string;
  productGroups: string[];
  isBlockedEgais: boolean;
}

export class Registry {
  readonly participants = new Map<string, Participant>();
  readonly codes = new Map<string, CodeRecord>();
  /** МОДs per participant INN */
  readonly mods = new Map<string, ModRecord[]>();
  private nextPid = 1000;

  participant(inn: string | undefined): Participant | undefined {
    return inn ? this.participants.get(inn) : undefined;
  }

  /** Register a МОД for a participant. */
  addMod(m: Partial<ModRecord> & { inn: string; fiasId: string }): ModRecord {
    const rec: ModRecord = { kpp: '', address: '', productGroups: [], isBlockedEgais: false, ...m };
    const list = this.mods.get(m.inn) ?? [];
    list.push(rec);
    this.mods.set(m.inn, list);
    return rec;
  }

  /**
   * The unique МОД of a participant matching the given FIAS id and/or КПП (the document check of
   * LK_RECEIPT: "поиск уникального МОД … с учётом сведений, указанных в kpp"); undefined when none
   * or more than one match.
   */
  findMod(inn: string, kpp: string | undefined, fiasId: string | undefined): ModRecord | undefined {
    const hits = (this.mods.get(inn) ?? []).filter(
      (m) => (!fiasId || m.fiasId.toLowerCase() === fiasId.toLowerCase()) && (!kpp || m.kpp === kpp),
    );
    return hits.length === 1 ? hits[0] : undefined;
  }

  code(cis: string): CodeRecord | undefined {
    return this.codes.get(cis);
  }

  addParticipant(p: {
    inn: string;
    name: string;
    registered?: boolean;
    blocked?: boolean;
    balances?: Record<string, number>;
    /** INNs of persons signing under an МЧД of this organisation */
    trustees?: string[];
  }): Participant {
    const existing = this.participants.get(p.inn);
    const rec: Participant = existing ?? {
      inn: p.inn,
      name: p.name,
      pid: this.nextPid++,
      registered: p.registered ?? true,
      blocked: p.blocked ?? false,
      trustees: new Set(),
      balances: new Map(),
    };
    for (const t of p.trustees ?? []) rec.trustees.add(t);
    rec.name = p.name;
    rec.registered = p.registered ?? rec.registered;
    rec.blocked = p.blocked ?? rec.blocked;
    for (const [pg, kopecks] of Object.entries(p.balances ?? {})) {
      const id = productGroup(pg)?.id;
      if (id !== null && id !== undefined) rec.balances.set(id, kopecks);
    }
    this.participants.set(p.inn, rec);
    return rec;
  }

  addCode(c: Partial<CodeRecord> & { cis: string; pg: string; ownerInn: string }): CodeRecord {
    const rec: CodeRecord = {
      gtin: c.cis.startsWith('01') ? c.cis.slice(2, 16) : '',
      status: 'INTRODUCED',
      producerInn: c.ownerInn,
      emissionType: 'LOCAL',
      packageType: 'UNIT',
      children: [],
      emissionDate: new Date(Date.now() - 30 * 86400000).toISOString(),
      ...c,
    };
    this.codes.set(rec.cis, rec);
    return rec;
  }

  /** The code and, for an aggregate, every code packed in it (depth first). */
  withChildren(cis: string): CodeRecord[] {
    const out: CodeRecord[] = [];
    const walk = (c: string, depth: number): void => {
      const rec = this.codes.get(c);
      if (!rec || depth > 10) return;
      out.push(rec);
      for (const ch of rec.children) walk(ch, depth + 1);
    };
    walk(cis, 0);
    return out;
  }

  /** Take a code out of its aggregate (auto-disaggregation of the parent, §4.9). */
  detach(rec: CodeRecord): void {
    if (!rec.parent) return;
    const parent = this.codes.get(rec.parent);
    if (parent) {
      parent.children = parent.children.filter((c) => c !== rec.cis);
      if (parent.children.length === 0 && parent.packageType !== 'UNIT') parent.status = 'DISAGGREGATION';
    }
    rec.parent = undefined;
  }

  /** Seed participants, codes and boxes from the demo world (lib/emulators/demo-data.ts). */
  seed(world: DemoWorld): void {
    const org = world.organisation;
    this.addParticipant({
      inn: org.inn,
      name: org.name,
      registered: true,
      balances: { lp: 120000000, shoes: 5000050 },
    });
    for (const c of world.counterparties) {
      this.addParticipant({
        inn: c.inn,
        name: c.name,
        registered: c.registered,
        balances: c.registered ? { lp: 1000000 } : {},
      });
    }
    // other organisations of the base (receivers of transfers), after the counterparties: their ids stay
    for (const a of world.affiliates ?? [])
      this.addParticipant({ inn: a.inn, name: a.name, registered: true, balances: { lp: 1000000 } });
    for (const m of world.mods ?? []) this.addMod({ ...m, productGroups: [...m.productGroups] });
    const items = new Map(world.items.map((i) => [i.ref, i]));
    const byRef = new Map<string, string>();
    for (const code of world.codes) {
      const item = items.get(code.itemRef);
      if (!item || !item.pg) continue;
      const rec = this.addCode({
        cis: code.cis,
        gtin: item.gtin,
        pg: item.pg,
        status: code.status,
        ownerInn: code.ownerInn,
        producerInn: org.inn,
        productName: item.name,
        tnved: item.tnved,
        applicationDate: new Date(Date.now() - 20 * 86400000).toISOString(),
        introducedDate:
          code.status === 'INTRODUCED' ? new Date(Date.now() - 10 * 86400000).toISOString() : undefined,
      });
      byRef.set(code.ref, rec.cis);
    }
    for (const box of world.boxes) {
      const kids = box.codeRefs.map((r) => byRef.get(r)).filter((c): c is string => !!c);
      const first = kids[0] ? this.codes.get(kids[0]) : undefined;
      if (!first) continue;
      this.addCode({
        cis: box.sscc,
        gtin: '',
        pg: first.pg,
        status: first.status,
        ownerInn: first.ownerInn,
        producerInn: first.producerInn,
        packageType: 'BOX',
        children: kids,
      });
      for (const k of kids) {
        const rec = this.codes.get(k);
        if (rec) rec.parent = box.sscc;
      }
    }
  }
}
