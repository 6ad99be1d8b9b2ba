import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { SCOPE_REGISTRY, type ScopeRegistry, type ToolDeclaration } from '../ports/scope-registry';
import {
  recordCoveredTools,
  toolCovered,
  uncoveredTools,
  type CoverageRules,
  type CoveredTools,
  type ToolBaseline,
} from './tool-coverage';
import { ToolDeclarationLedger } from './tool-declaration-ledger';

/**
 * EXT-RC-01..05 with this deployment's rules: what approving scopes records, which tools a stored
 * consent no longer covers (the authorization endpoint shows the page again, naming them), and whether
 * a grant covers the tool a tools/call names (the resource server's 403 step-up otherwise).
 */
@Injectable()
export class ToolCoveragePolicy {
  readonly rules: CoverageRules;
  private readonly currentDigest: (scope: string) => string;

  constructor(
    @Inject(ToolDeclarationLedger) baseline: ToolBaseline,
    @Inject(SCOPE_REGISTRY) private readonly registry: ScopeRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.rules = { exemptReadOnly: config.reconsentExemptReadOnly, baseline };
    this.currentDigest = (scope) => registry.scopeToolsDigest(scope);
  }

  /** What approving these scopes (and what they imply) approves now. */
  record(scopes: Iterable<string>): CoveredTools {
    return recordCoveredTools(scopes, this.registry);
  }

  /**
   * The tools `scopes` reach that a stored consent (`approved`, with its record) does not cover: empty
   * when it covers them all. Sorted by name, for the consent page.
   */
  uncovered(
    recorded: CoveredTools | null,
    approved: readonly string[],
    scopes: readonly string[],
  ): ToolDeclaration[] {
    return uncoveredTools(recorded, approved, scopes, this.registry, this.rules);
  }

  /** The hot path of tools/call: a few map lookups, no query. */
  covers(recorded: CoveredTools | null, tool: ToolDeclaration): boolean {
    return toolCovered(recorded, tool, this.currentDigest, this.rules);
  }

  /** A grant made from a remembered consent carries the consent's record, for the scopes granted. */
  narrow(recorded: CoveredTools | null, scopes: Iterable<string>): CoveredTools | null {
    if (!recorded) return null;
    const out: Record<string, CoveredTools[string]> = {};
    for (const scope of this.registry.expand(scopes)) {
      const entry = recorded[scope];
      if (entry) out[scope] = entry;
    }
    return out;
  }
}
