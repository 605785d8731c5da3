/**
 * The sidebar plugin's catalogs: en-US and ru have the same keys, none empty, every key the editor
 * script asks for exists, and every journal state and document status has words in both languages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ACCEPTED_STATUSES,
  EDO_REJECTED_STATUSES,
  REJECTED_STATUSES,
  type JournalState,
} from '../../lib/journal/journal';
import { UPD_STATUS } from '../../lib/edo/outbox';

const DIR = path.resolve(__dirname, '..', '..', 'plugins', 'znakflow');
type Catalog = { [k: string]: string | Catalog };
const read = (lang: string): Catalog =>
  JSON.parse(fs.readFileSync(path.join(DIR, 'locales', lang, 'znakflow.json'), 'utf8')) as Catalog;
function keys(c: Catalog, prefix = ''): string[] {
  return Object.entries(c).flatMap(([k, v]) =>
    typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`),
  );
}
function value(c: Catalog, key: string): string | undefined {
  let v: string | Catalog | undefined = c;
  for (const part of key.split('.')) v = typeof v === 'object' ? v[part] : undefined;
  return typeof v === 'string' ? v : undefined;
}

describe('sidebar plugin catalogs', () => {
  const en = read('en-US');
  const ru = read('ru');

  it('en-US and ru have the same keys, none empty; Russian is Russian', () => {
    assert.deepEqual(keys(ru).sort(), keys(en).sort());
    for (const k of keys(en)) {
      assert.ok(value(en, k)?.trim(), `en-US ${k}`);
      assert.ok(value(ru, k)?.trim(), `ru ${k}`);
    }
    assert.match(value(ru, 'sidebar.empty') ?? '', /[А-Яа-яЁё]{5}/);
  });

  it('every key the editor script uses exists in both', () => {
    const html = fs.readFileSync(path.join(DIR, 'znakflow.html'), 'utf8');
    const used = new Set(
      [...html.matchAll(/\bt\('([a-zA-Z.]+)'/g)].map((m) => m[1] as string).filter((k) => !k.endsWith('.')),
    );
    for (const g of ['all', 'pending', 'accepted', 'rejected', 'failed', 'unknown'])
      used.add(`sidebar.group.${g}`);
    for (const c of ['sent', 'pending', 'accepted', 'rejected', 'failed', 'unknown'])
      used.add(`sidebar.count.${c}`);
    assert.ok(used.size > 20);
    for (const k of used) {
      assert.ok(value(en, k), `en-US lacks ${k}`);
      assert.ok(value(ru, k), `ru lacks ${k}`);
    }
  });

  it('every journal state and every final status of Честный ЗНАК has words', () => {
    const states: JournalState[] = ['received', 'sending', 'sent', 'unknown', 'failed', 'final'];
    // the УПД journal (lib/edo/outbox.ts) shows in the sidebar too, with ЭДО Лайт's statuses
    const statuses = [
      ...ACCEPTED_STATUSES,
      ...REJECTED_STATUSES,
      ...EDO_REJECTED_STATUSES,
      ...Object.values(UPD_STATUS),
      'IN_PROGRESS',
      'WAIT_FOR_CONTINUATION',
    ];
    for (const c of [en, ru]) {
      for (const s of states) assert.ok(value(c, `sidebar.state.${s}`), s);
      for (const s of statuses) assert.ok(value(c, `sidebar.status.${s}`), s);
    }
  });
});
