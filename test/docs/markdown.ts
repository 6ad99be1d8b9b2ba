/**
 * Small readers of the repository's Markdown for the docs tests: relative links and GitHub heading
 * anchors, so a moved section or a renamed file breaks a test instead of a reader's click.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** README.md and every Markdown file under docs/, as repository-relative paths. */
export function documentationFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs.sort()];
}

/** Markdown without its fenced code blocks (examples there are not links or names of real things). */
export const prose = (md: string) => md.replace(/^```[\s\S]*?^```$/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers (one per heading; repeated headings get -1, -2 ...). */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(md).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface BrokenLink {
  file: string;
  link: string;
  why: string;
}

/** Relative links of a Markdown file (`[text](target)`) whose file or heading does not exist. */
export function brokenLinks(file: string, md = readFileSync(join(ROOT, file), 'utf8')): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const m of prose(md).matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: ...
    const [path, fragment] = link.split('#', 2);
    const target = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path);
    if (!existsSync(target)) {
      broken.push({ file, link, why: `no file ${relative(ROOT, target)}` });
      continue;
    }
    if (fragment && target.endsWith('.md') && statSync(target).isFile()) {
      if (!anchors(readFileSync(target, 'utf8')).has(fragment)) {
        broken.push({ file, link, why: `no heading #${fragment} in ${relative(ROOT, target)}` });
      }
    }
  }
  return broken;
}
