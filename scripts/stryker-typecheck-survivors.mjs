// Type-checks the mutants that survived a Stryker run made without the TypeScript checker (issue 14,
// see stryker.config.mjs): each surviving mutant is put into its file in a TypeScript language
// service over tsconfig.stryker.json, and the mutants whose file then has a compile error are the
// ones Stryker's checker would have rejected (CompileError) — not counted in the score. Only the
// mutated file is checked (as the checker's `prioritizePerformanceOverAccuracy` does first); a
// mutant that breaks only the files importing it stays a survivor and is listed.
// Results are kept in reports/mutation/typecheck-cache.json by mutant text, so a second run checks
// only new survivors.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import ts from 'typescript';

const CACHE = path.join('reports', 'mutation', 'typecheck-cache.json');

/** The source with the mutant's replacement at its location (lines and columns from 1). */
function applyMutant(source, m) {
  const lines = source.split('\n');
  const offset = (p) => {
    let o = 0;
    for (let i = 0; i < p.line - 1; i++) o += lines[i].length + 1;
    return o + p.column - 1;
  };
  return source.slice(0, offset(m.location.start)) + m.replacement + source.slice(offset(m.location.end));
}

/**
 * `reports`: { module: mutation-testing-report JSON }. Returns { module: Set(mutant id) } of the
 * survivors (Survived, NoCoverage) that do not compile.
 */
export function typecheckSurvivors(reports) {
  const cache = fs.existsSync(CACHE) ? JSON.parse(fs.readFileSync(CACHE, 'utf8')) : {};
  const todo = [];
  for (const [mod, report] of Object.entries(reports)) {
    for (const [file, f] of Object.entries(report.files)) {
      for (const m of f.mutants) {
        if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
        if (m.replacement === undefined) continue;
        const text = applyMutant(f.source, m);
        const key = createHash('sha256').update(file).update('\0').update(text).digest('hex');
        todo.push({ mod, id: m.id, file, text, key });
      }
    }
  }
  const missing = todo.filter((t) => cache[t.key] === undefined);
  if (missing.length) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      'tsconfig.stryker.json',
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    const versions = new Map();
    const overrides = new Map();
    const host = {
      getScriptFileNames: () => parsed.fileNames,
      getScriptVersion: (f) => String(versions.get(path.resolve(f)) ?? 0),
      getScriptSnapshot: (f) => {
        const o = overrides.get(path.resolve(f));
        if (o !== undefined) return ts.ScriptSnapshot.fromString(o);
        return fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, 'utf8')) : undefined;
      },
      getCurrentDirectory: () => process.cwd(),
      getCompilationSettings: () => parsed.options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    const service = ts.createLanguageService(host, ts.createDocumentRegistry());
    for (const t of missing) {
      const abs = path.resolve(t.file);
      overrides.set(abs, t.text);
      versions.set(abs, (versions.get(abs) ?? 0) + 1);
      const diags = [...service.getSyntacticDiagnostics(abs), ...service.getSemanticDiagnostics(abs)];
      cache[t.key] = diags.length
        ? ts.flattenDiagnosticMessageText(diags[0].messageText, ' ').slice(0, 200)
        : '';
      overrides.delete(abs);
      versions.set(abs, (versions.get(abs) ?? 0) + 1);
    }
    fs.mkdirSync(path.dirname(CACHE), { recursive: true });
    fs.writeFileSync(CACHE, JSON.stringify(cache));
  }
  const out = {};
  for (const t of todo) {
    out[t.mod] ??= new Map();
    if (cache[t.key]) out[t.mod].set(t.id, cache[t.key]);
  }
  return out;
}
