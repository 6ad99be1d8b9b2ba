/** Who the caller of a tool is, as a person: what a tool may show about the user its token belongs to. */
export interface CallerProfile {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
}

/**
 * Port owned by libs/mcp so that tool libraries, which import only @app/mcp, can read the profile of
 * the user behind McpCaller.userId without importing identity. Identity implements it; the boot fails
 * if no module provides it and a tool asks for it.
 */
export interface CallerProfileReader {
  /** The user's profile, or null when the user no longer exists. */
  profile(userId: string): Promise<CallerProfile | null>;
}

export const CALLER_PROFILE_READER = Symbol('CALLER_PROFILE_READER');
