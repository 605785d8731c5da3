/**
 * docs/message-contract.md's field tables, generated from lib/message.ts (the one declaration of the
 * message contract). `node --import tsx scripts/message-contract.ts` rewrites the part of the page
 * between the markers; `--check` fails when the page is not current (test/unit/message-contract.test.ts
 * does the same check).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { CONTRACT_PARTS, type FieldMeta } from '../lib/message';

export const DOC_PATH = path.join(__dirname, '..', 'docs', 'message-contract.md');
export const BEGIN =
  '<!-- message-contract:begin (generated from lib/message.ts by scripts/message-contract.ts) -->';
export const END = '<!-- message-contract:end -->';

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  shape?: Record<string, z.ZodType>;
}

function def(s: z.ZodType): Def {
  return s._zod.def as unknown as Def;
}

function meta(s: z.ZodType): Record<string, unknown> {
  return (s.meta() ?? {}) as Record<string, unknown>;
}

function unwrap(s: z.ZodType): { schema: z.ZodType; optional: boolean } {
  const d = def(s);
  return d.type === 'optional' && d.innerType
    ? { schema: unwrap(d.innerType).schema, optional: true }
    : { schema: s, optional: false };
}

/** The type of a field as the tables show it (named parts by their name). */
export function typeName(s: z.ZodType): string {
  const inner = unwrap(s).schema;
  const title = meta(inner)['title'];
  if (typeof title === 'string') return title;
  const d = def(inner);
  switch (d.type) {
    case 'array':
      return `${typeName(d.element!)}[]`;
    case 'record':
      return `{ [ref]: ${typeName(d.valueType!)} }`;
    case 'union':
      return (d.options ?? []).map(typeName).join(' \\| ');
    case 'literal':
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(' \\| ');
    case 'custom':
      return 'object';
    default:
      return d.type;
  }
}

/** Every field of the contract: `<part> <field>`, e.g. `msg.cz documentId`. */
export function contractFields(): Array<{ part: string; field: string; optional: boolean; meta: FieldMeta }> {
  const out: Array<{ part: string; field: string; optional: boolean; meta: FieldMeta }> = [];
  for (const [partName, schema] of Object.entries(CONTRACT_PARTS)) {
    for (const [field, s] of Object.entries((schema as z.ZodObject).shape as Record<string, z.ZodType>)) {
      const { schema: inner, optional } = unwrap(s);
      out.push({ part: partName, field, optional, meta: meta(inner) as FieldMeta });
    }
  }
  return out;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The generated part of the page. */
export function renderTables(): string {
  const lines: string[] = [BEGIN, ''];
  for (const [partName, schema] of Object.entries(CONTRACT_PARTS)) {
    const title = meta(schema)['title'];
    lines.push(`### \`${partName}\` (${String(title)})`, '');
    lines.push('| field | type | required | set by | meaning |', '| --- | --- | --- | --- | --- |');
    for (const [field, s] of Object.entries((schema as z.ZodObject).shape as Record<string, z.ZodType>)) {
      const { schema: inner, optional } = unwrap(s);
      const m = meta(inner);
      lines.push(
        `| \`${field}\` | ${typeName(s)} | ${optional ? 'no' : 'yes'} | ${cell(String(m['setBy'] ?? ''))} | ${cell(String(m['description'] ?? ''))} |`,
      );
    }
    lines.push('');
  }
  lines.push(END);
  return lines.join('\n');
}

/** The page with its generated part replaced (or appended when the markers are missing). */
export function renderDoc(current: string): string {
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) return `${current.trimEnd()}\n\n## Fields\n\n${renderTables()}\n`;
  return current.slice(0, start) + renderTables() + current.slice(end + END.length);
}

if (require.main === module) {
  const current = fs.readFileSync(DOC_PATH, 'utf8');
  const next = renderDoc(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error(
        'docs/message-contract.md is not current: run node --import tsx scripts/message-contract.ts',
      );
      process.exit(1);
    }
  } else if (next !== current) {
    fs.writeFileSync(DOC_PATH, next);
    console.log('docs/message-contract.md updated');
  }
}
