/**
 * What user input may reach PostgreSQL, and how PostgreSQL's refusals of bad input are recognised.
 *
 * PostgreSQL stores no NUL in `text` (SQLSTATE 22021 for the UTF-8 byte 0x00) and no `\u0000` or unpaired
 * surrogate escape in `jsonb` (22P05); node-postgres turns an unpaired UTF-16 surrogate into U+FFFD
 * silently. Input is therefore checked before any query, and the refusals below are the safety net that
 * turns what slipped through into a 400, never a 500.
 */

/** C0 and C1 control characters (NUL, CR, LF, TAB ...) and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** An unpaired UTF-16 surrogate (not a valid Unicode scalar value; cannot be encoded as UTF-8). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether the text contains an unpaired surrogate or a NUL: it cannot be stored as it is. */
export function isUnstorableText(value: string): boolean {
  return value.includes('\u0000') || LONE_SURROGATE.test(value);
}

/**
 * Whether the text is a safe single-line value: no control character (C0, DEL, C1), no unpaired
 * surrogate. Names, titles and other free text shown to people.
 */
export function isSafeLine(value: string): boolean {
  return !CONTROL.test(value) && !LONE_SURROGATE.test(value);
}

/**
 * Whether the text is a protocol identifier or URI: visible ASCII only, no space (RFC 6749 Appendix A
 * VSCHAR without SP; RFC 3986 §2 for URIs, whose other characters must be percent-encoded).
 */
export function isVisibleAscii(value: string): boolean {
  return /^[\x21-\x7e]*$/.test(value);
}

/** Recursively: whether any string (or object key) in a parsed JSON value cannot be stored in jsonb. */
export function hasUnstorableJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return true;
  if (typeof value === 'string') return isUnstorableText(value);
  if (Array.isArray(value)) return value.some((v) => hasUnstorableJson(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([k, v]) => isUnstorableText(k) || hasUnstorableJson(v, depth + 1));
  }
  return false;
}

/**
 * SQLSTATEs that mean "this input cannot be stored or compared", i.e. the request was bad:
 * 22021 character_not_in_repertoire (NUL in text), 22P05 untranslatable_character (\u0000 or an unpaired
 * surrogate in jsonb), 22003 numeric_value_out_of_range, 22P02 invalid_text_representation (e.g. not a
 * uuid), 22001 string_data_right_truncation, 22007/22008 bad date/time, 22025 invalid escape sequence.
 */
const BAD_INPUT_SQLSTATES = new Set(['22021', '22P05', '22003', '22P02', '22001', '22007', '22008', '22025']);

/** Whether a thrown value (pg's error, possibly wrapped by TypeORM) is PostgreSQL refusing bad input. */
export function isBadInputForDatabase(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; driverError?: unknown; cause?: unknown; message?: unknown };
    if (typeof err.code === 'string' && BAD_INPUT_SQLSTATES.has(err.code)) return true;
    // TypeORM's QueryFailedError copies the driver's fields; the message is the fallback.
    if (typeof err.message === 'string' && /^invalid input syntax for type json/.test(err.message))
      return true;
    e = err.driverError ?? err.cause;
  }
  return false;
}
