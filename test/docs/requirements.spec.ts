// Checks that every requirement id cited in the repository (apps/, libs/, test/, scripts/, bench/) is
// defined in docs/requirements.md with its RFC or MCP section, and that no comment points at a document
// outside the repository (a style guide, an architecture note or an issue tracker that readers of the
// code cannot open).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './markdown';

const SCANNED = ['apps', 'libs', 'test', 'scripts', 'bench'];
const TEXT = /\.(ts|mts|cts|js|mjs|cjs|json|hbs|sql|ya?ml|md)$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'results']);

/** The id families of docs/requirements.md (`AS-REG-04`, `RS-TOK-03`, `TR-09`, `LB-02` ...). */
const PREFIX = String.raw`(?:AS|RS|TR|LB|SEC|GEN|UP|EXT)(?:-[A-Z]{2,3})?`;
/** One citation: an id, optionally followed by more (`/05`, `..05`, `..LB-09`), or a group (`RS-SC-*`). */
const CITATION = new RegExp(String.raw`\b(${PREFIX})-(\d{2}|\*)((?:(?:\.\.|/|–)(?:${PREFIX}-)?\d{2})*)`, 'g');

interface Citation {
  file: string;
  line: number;
  text: string;
}

function files(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files(path, out);
    else if (TEXT.test(entry.name)) out.push(path);
  }
  return out;
}

const SOURCES = SCANNED.flatMap((dir) => files(join(ROOT, dir))).map((path) => ({
  file: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

function find(pattern: RegExp, sources = SOURCES): Citation[] {
  const found: Citation[] = [];
  for (const { file, text } of sources) {
    text.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(pattern)) found.push({ file, line: i + 1, text: m[0] });
    });
  }
  return found;
}

/** The ids one citation names: `AS-PK-01/02` → both, `RS-TOK-02..05` → four, `RS-SC-*` → the group. */
export function expand(citation: string): string[] {
  const m = new RegExp(CITATION.source).exec(citation);
  if (!m) return [];
  const [, prefix, first, rest] = m;
  if (first === '*') return [`${prefix}-*`];
  const ids = [`${prefix}-${first}`];
  let previous = Number(first);
  for (const [, separator, n] of rest.matchAll(/(\.\.|\/|–)(?:[A-Z-]+-)?(\d{2})/g)) {
    if (separator === '/') ids.push(`${prefix}-${n}`);
    else for (let i = previous + 1; i <= Number(n); i++) ids.push(`${prefix}-${String(i).padStart(2, '0')}`);
    previous = Number(n);
  }
  return ids;
}

const requirements = readFileSync(join(ROOT, 'docs', 'requirements.md'), 'utf8');
/** Ids defined in docs/requirements.md: the first cell of a table row. */
const DEFINED = new Set([...requirements.matchAll(/^\| ([A-Z]+(?:-[A-Z]+)?-\d{2}) +\|/gm)].map((m) => m[1]));
/** Groups a citation may name: a family (`RS-TOK-*`) or a whole side (`RS-*`, `AS-*`). */
const GROUPS = new Set([...DEFINED].flatMap((id) => [id.replace(/-\d{2}$/, '-*'), `${id.split('-')[0]}-*`]));

/** Citations that point outside the repository. Built from pieces so this file does not cite them. */
const FORBIDDEN: { why: string; pattern: RegExp }[] = [
  {
    why: 'a style guide outside the repository',
    pattern: new RegExp(String.raw`\b${'STY' + 'LE'} ?§ ?\d+`, 'g'),
  },
  {
    why: 'an architecture note outside the repository (cite docs/architecture.md)',
    pattern: new RegExp(String.raw`(?<![\w/.-])${'ARCHITEC' + 'TURE'}\b(?!\.md)`, 'g'),
  },
  { why: 'an issue tracker', pattern: new RegExp(String.raw`\b${'iss' + 'ue'}s? #\d+`, 'gi') },
  {
    why: 'a checklist outside the repository (cite docs/requirements.md)',
    pattern: new RegExp(String.raw`\b${'Check' + 'list'}:|${'MCP-AUTH-' + 'CHECKLIST'}`, 'g'),
  },
  {
    why: 'a path outside the repository',
    pattern: new RegExp(
      String.raw`(?:\.\./)+${'sha' + 'red'}\b|/${'wo' + 'rk'}/(?:${'sha' + 'red'}|main|wt)\b`,
      'g',
    ),
  },
];

describe('requirement ids (docs/requirements.md)', () => {
  it('expands lists, ranges and groups', () => {
    assert.deepEqual(expand('AS-PK-01/02'), ['AS-PK-01', 'AS-PK-02']);
    assert.deepEqual(expand('RS-TOK-02..05'), ['RS-TOK-02', 'RS-TOK-03', 'RS-TOK-04', 'RS-TOK-05']);
    assert.deepEqual(expand('LB-01..LB-03'), ['LB-01', 'LB-02', 'LB-03']);
    assert.deepEqual(expand('AS-MD-06/08/09'), ['AS-MD-06', 'AS-MD-08', 'AS-MD-09']);
    assert.deepEqual(expand('RS-SC-*'), ['RS-SC-*']);
  });

  it('the page defines ids, each with a source', () => {
    assert.ok(DEFINED.size > 60);
    for (const line of requirements.split('\n').filter((l) => /^\| [A-Z]+(-[A-Z]+)?-\d{2} /.test(l))) {
      const source = line.split('|')[3]?.trim() ?? '';
      assert.match(
        source,
        /RFC \d+|MCP-[ATS]|MCP-EMA|OAuth 2\.1|MCP base protocol|draft-|OpenID|^[A-Z]+(-[A-Z]+)?-\d{2}/,
        line,
      );
    }
  });

  it('every id cited in apps/, libs/, test/, scripts/ and bench/ is defined there', () => {
    const citations = find(CITATION);
    assert.ok(citations.length > 100, 'the code cites requirement ids');
    const undefinedIds = citations.flatMap((c) =>
      expand(c.text)
        .filter((id) => !id.endsWith('*') && !DEFINED.has(id))
        .map((id) => `${c.file}:${c.line} ${id}`),
    );
    assert.deepEqual(undefinedIds, [], 'define these in docs/requirements.md or cite the RFC instead');
  });

  it('no comment cites a group docs/requirements.md lacks, or a document outside the repository', () => {
    const ownFile = relative(ROOT, __filename)
      .replace(/^dist\//, '')
      .replace(/\.js$/, '.ts');
    const sources = SOURCES.filter((s) => s.file !== ownFile);
    const groups = find(CITATION, sources).filter((c) => c.text.endsWith('*') && !GROUPS.has(c.text));
    assert.deepEqual(
      groups.map((c) => `${c.file}:${c.line} ${c.text}`),
      [],
      'a group of ids that docs/requirements.md does not define',
    );
    const outside = FORBIDDEN.flatMap(({ why, pattern }) =>
      find(pattern, sources).map((c) => `${c.file}:${c.line} ${c.text} (${why})`),
    );
    assert.deepEqual(outside, []);
  });

  it('the forbidden-citation patterns catch what they should, and spare the in-repository docs', () => {
    const sample = [
      { file: 'x.ts', text: `// owner first (${'STY' + 'LE'} §6)` },
      { file: 'y.ts', text: `// see ${'ARCHITEC' + 'TURE'}: TRUST_PROXY` },
      { file: 'z.ts', text: `// ${'Iss' + 'ue'} #7: the hot path` },
      { file: 'w.ts', text: `// read ../../${'sha' + 'red'}/docs/x.md` },
      {
        file: 'ok.ts',
        text: '// docs/architecture.md C6; docs/requirements.md; RFC 6749 §4.1.3; issues are filed elsewhere',
      },
    ];
    const hits = FORBIDDEN.flatMap(({ pattern }) => find(pattern, sample).map((c) => c.file));
    assert.deepEqual(hits.sort(), ['w.ts', 'x.ts', 'y.ts', 'z.ts']);
  });
});
