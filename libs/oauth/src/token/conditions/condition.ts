import type { OAuthError } from '../../common/oauth-errors';

/**
 * One condition a token request must meet, in one home: the predicate the grant's single atomic
 * statement holds in its WHERE (the fast path), and the error that says why, read from the row after
 * the statement matched nothing (the slow path). `P` names the statement parameters the predicate uses;
 * each statement maps them to its own placeholders.
 */
export interface TokenCondition<Row, Request, P extends string> {
  readonly name: string;
  sql(params: Readonly<Record<P, string>>): string;
  /** The error when `row` (the stored state) does not meet the condition for `request`; else null. */
  explain(row: Row, request: Request): OAuthError | null;
}

/** The WHERE predicates of a list, one per line, joined by AND (built once, at module load). */
export function predicates<Row, Request, P extends string>(
  conditions: readonly TokenCondition<Row, Request, P>[],
  params: Readonly<Record<P, string>>,
  indent: string,
): string {
  return conditions.map((c) => `(${c.sql(params)}) -- ${c.name}`).join(`\n${indent}AND `);
}

/** The first condition of the list the stored state fails, with its error (null: all are met). */
export function firstFailure<Row, Request, P extends string>(
  conditions: readonly TokenCondition<Row, Request, P>[],
  row: Row,
  request: Request,
): { name: string; error: OAuthError } | null {
  for (const condition of conditions) {
    const error = condition.explain(row, request);
    if (error) return { name: condition.name, error };
  }
  return null;
}
