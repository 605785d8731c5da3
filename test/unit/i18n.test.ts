/**
 * Catalog parity and coverage: en-US and ru have the same keys, every key used in code and in
 * the editor HTML exists, and every node has help in both languages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const NODES = path.join(ROOT, 'nodes');
const types = fs
  .readdirSync(NODES)
  .filter((t) => t !== 'shared' && fs.existsSync(path.join(NODES, t, `${t}.ts`)));

type Catalog = { [k: string]: string | Catalog };
function readJson(p: string): Catalog {
  return JSON.parse(fs.readFileSync(p, 'utf8')) as Catalog;
}
function keys(c: Catalog, prefix = ''): string[] {
  return Object.entries(c).flatMap(([k, v]) =>
    typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`),
  );
}
function catalog(t: string, lang: string): Set<string> {
  return new Set([
    ...keys(readJson(path.join(NODES, 'shared/locales', lang, 'shared.json'))),
    ...keys(readJson(path.join(NODES, t, 'locales', lang, `${t}.json`))),
  ]);
}
function walk(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'locales' ? [] : walk(p, ext);
    return p.endsWith(ext) ? [p] : [];
  });
}

describe('i18n', () => {
  it('shared catalog: en-US and ru have the same keys', () => {
    const en = keys(readJson(path.join(NODES, 'shared/locales/en-US/shared.json'))).sort();
    const ru = keys(readJson(path.join(NODES, 'shared/locales/ru/shared.json'))).sort();
    assert.deepEqual(ru, en);
  });

  for (const t of types) {
    describe(t, () => {
      it('en-US and ru catalogs have the same keys, none empty', () => {
        const en = readJson(path.join(NODES, t, 'locales/en-US', `${t}.json`));
        const ru = readJson(path.join(NODES, t, 'locales/ru', `${t}.json`));
        assert.deepEqual(keys(ru).sort(), keys(en).sort());
        const empty = (c: Catalog): boolean =>
          Object.values(c).some((v) => (typeof v === 'string' ? v.trim() === '' : empty(v)));
        assert.ok(!empty(en) && !empty(ru));
      });

      it('has help in both languages, and Russian help is Russian', () => {
        for (const lang of ['en-US', 'ru']) {
          const help = fs.readFileSync(path.join(NODES, t, 'locales', lang, `${t}.html`), 'utf8');
          assert.match(help, new RegExp(`data-help-name="${t}"`));
          assert.match(help, /<h3>/);
          if (lang === 'ru') assert.match(help, /[А-Яа-яЁё]{5}/);
        }
      });

      it('every key used in its HTML and code exists in both catalogs', () => {
        const html = fs.readFileSync(path.join(NODES, t, `${t}.html`), 'utf8');
        const used = new Set<string>();
        for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) {
          for (const part of (m[1] ?? '').split(';')) used.add(part.replace(/^\[[a-z]+\]/, ''));
        }
        for (const m of html.matchAll(/\b_\('([a-zA-Z0-9_.-]+)'\)/g)) used.add(m[1] ?? '');
        const code = walk(path.join(NODES, t), '.ts').map((f) => fs.readFileSync(f, 'utf8'));
        for (const src of code) {
          for (const m of src.matchAll(
            /'((?:znakflow|[a-z]+-[a-z-]+)\.(?:status|errors|label|msg)\.[a-zA-Z0-9_.-]+)'/g,
          )) {
            used.add(m[1] ?? '');
          }
        }
        for (const lang of ['en-US', 'ru']) {
          const cat = catalog(t, lang);
          const missing = [...used].filter((k) => k && !cat.has(k));
          assert.deepEqual(missing, [], `${lang} misses keys used by ${t}`);
        }
      });
    });
  }

  it('plugin catalogs: en-US and ru have the same keys, and every key the plugin uses exists', () => {
    const dir = path.join(ROOT, 'plugins', 'znakflow');
    const en = readJson(path.join(dir, 'locales/en-US/znakflow.json'));
    const ru = readJson(path.join(dir, 'locales/ru/znakflow.json'));
    assert.deepEqual(keys(ru).sort(), keys(en).sort());
    const html = fs.readFileSync(path.join(dir, 'znakflow.html'), 'utf8');
    const used = [...html.matchAll(/\bt\('([a-z.A-Z]+)'\)/g)].map((m) => m[1] ?? '');
    assert.ok(used.length > 5);
    const all = new Set(keys(en));
    assert.deepEqual(
      used.filter((k) => !all.has(k)),
      [],
    );
  });

  it('status keys used by the shared machinery exist', () => {
    const src = walk(path.join(NODES, 'shared'), '.ts')
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const used = [...src.matchAll(/'(znakflow\.status\.[a-z-]+)'/g)].map((m) => m[1] ?? '');
    assert.ok(used.length > 0);
    for (const lang of ['en-US', 'ru']) {
      const cat = new Set(keys(readJson(path.join(NODES, 'shared/locales', lang, 'shared.json'))));
      assert.deepEqual(
        used.filter((k) => !cat.has(k)),
        [],
      );
    }
  });
});

describe('editor resources', () => {
  it('the editor list of product groups is the library list', () => {
    const src = fs.readFileSync(path.join(ROOT, 'resources/znakflow-editor.js'), 'utf8');
    const block = /var PRODUCT_GROUPS = \[([\s\S]*?)\];/.exec(src)?.[1] ?? '';
    const editor = [...block.matchAll(/'([a-z]+)'/g)].map((m) => m[1]);
    const { PRODUCT_GROUP_CODES } = require('../../lib/cz/product-groups') as {
      PRODUCT_GROUP_CODES: string[];
    };
    assert.deepEqual(editor, PRODUCT_GROUP_CODES);
  });
});
