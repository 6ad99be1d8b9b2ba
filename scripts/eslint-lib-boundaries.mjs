// The dependency rules between libraries (docs/architecture.md, "Dependency rules"), as an ESLint rule
// so that `npm run lint` fails on a forbidden arrow. Applies to every file under libs/<name>/.
//   - a library is entered only through its public index: `@app/<name>`, never `@app/<name>/src/...`,
//     and never by a relative path that leaves the importing library;
//   - libraries never import apps/;
//   - the per-library rules below (RULES): which other libraries a library may not import.
import { dirname, relative, resolve, sep } from 'node:path';

/** The repository root (this file is in scripts/), whatever folder ESLint runs from. */
const ROOT = resolve(import.meta.dirname, '..');

const DOMAIN = ['oauth', 'identity', 'mcp', 'account', 'discovery', 'tools-*'];

/**
 * What each library may import among the others. `only`: the complete list (npm and node packages are
 * always allowed); `not`: libraries it must not import. A name ending in `*` is a prefix.
 */
export const RULES = [
  {
    lib: 'errors',
    only: [],
    why: 'errors holds the base every library may import (ServiceError), so it imports none',
  },
  { lib: 'tools-*', only: ['mcp'], why: 'a tool library imports only @app/mcp' },
  { lib: 'config', not: DOMAIN, why: 'config imports no domain library' },
  { lib: 'persistence', not: DOMAIN, why: 'persistence imports no domain library' },
  { lib: 'audit', not: DOMAIN, why: 'audit imports no domain library' },
  {
    lib: 'oauth',
    not: ['identity', 'mcp', 'account'],
    why: 'oauth imports neither identity, mcp nor account; it owns ports that they implement',
  },
  // Allowed on purpose: account imports @app/mcp to declare the `admin` scope with @McpScopes. The scope
  // registry (mcp's tool catalog) is the one list of scopes that consent, discovery and tokens read, and
  // account sits above mcp (mcp imports neither account nor identity), so the arrow makes no cycle.
];

const matches = (pattern, name) =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;

/** The library (libs/<name>) a file belongs to, or null. */
function libOf(root, file) {
  const parts = relative(root, file).split(sep);
  return parts[0] === 'libs' && parts.length > 2 ? parts[1] : null;
}

function check(root, file, lib, source) {
  if (/^@app\/server(\/|$)/.test(source) || /^(\.\.?\/)*apps\//.test(source)) {
    return 'libraries never import apps/';
  }
  if (/^libs\//.test(source)) return `import another library through its @app/ alias, not ${source}`;
  const alias = /^@app\/([^/]+)(\/.*)?$/.exec(source);
  if (alias) {
    const [, target, deep] = alias;
    if (deep) return `import @app/${target} through its index, not ${source}`;
    if (target === lib) return `inside libs/${lib}, import by a relative path, not @app/${lib}`;
    for (const rule of RULES) {
      if (!matches(rule.lib, lib)) continue;
      const refused = rule.only
        ? !rule.only.some((p) => matches(p, target))
        : rule.not.some((p) => matches(p, target));
      if (refused) return `libs/${lib} may not import @app/${target}: ${rule.why}`;
    }
    return null;
  }
  if (source.startsWith('.')) {
    const target = resolve(dirname(file), source);
    const inside = relative(resolve(root, 'libs', lib), target);
    if (inside.startsWith('..')) {
      return `relative import ${source} leaves libs/${lib}; use the other library's @app/ alias`;
    }
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Dependency rules between libs/* (docs/architecture.md)' },
    schema: [],
  },
  create(context) {
    const root = ROOT;
    const file = context.filename;
    const lib = libOf(root, file);
    if (!lib) return {};
    const visit = (node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const message = check(root, file, lib, node.value);
      if (message) context.report({ node, message });
    };
    return {
      ImportDeclaration: (n) => visit(n.source),
      ExportNamedDeclaration: (n) => visit(n.source),
      ExportAllDeclaration: (n) => visit(n.source),
      ImportExpression: (n) => visit(n.source),
      TSImportEqualsDeclaration: (n) => visit(n.moduleReference?.expression),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require') visit(n.arguments[0]);
      },
    };
  },
};

export default { rules: { 'lib-boundaries': rule } };
