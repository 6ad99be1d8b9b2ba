import type { CoveredTools, ToolCoveragePolicy } from '@app/oauth';
import type { RegisteredTool } from '../tools/tool-catalog';
import type { McpCaller } from '../tools/tool-types';

/**
 * Where McpAuthService leaves the token's record of covered tools on the caller: a symbol, so it is no
 * part of what tools see (McpCaller), and costs one property on an object built per request anyway.
 */
export const COVERED_TOOLS = Symbol('coveredTools');

type CallerWithCoverage = McpCaller & { readonly [COVERED_TOOLS]?: CoveredTools | null };

/**
 * EXT-RC-03: whether the grant behind this caller's token covers the tool as it is declared now. A
 * tool added or changed under one of its scopes since the person approved them is not covered: the
 * call gets the 403 step-up (RS-SC-04), and the authorization it leads to shows the consent page naming
 * the tool. Cheap on every call: the record comes with the token (the verifier caches it), the fast
 * path compares one digest per required scope, and nothing here queries the database. A caller built
 * without a record (not by McpAuthService) counts as recorded before records existed (EXT-RC-05).
 */
export function grantCoversTool(
  policy: ToolCoveragePolicy,
  caller: McpCaller,
  tool: RegisteredTool,
): boolean {
  return policy.covers((caller as CallerWithCoverage)[COVERED_TOOLS] ?? null, tool.declaration);
}
