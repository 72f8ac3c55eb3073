/**
 * Small helpers for composing messages.
 * @module
 */

/** `message` without trailing full stops or spaces, so a sentence can follow (`${clause(m)}. Next`) without a doubled `..`. */
export function clause(message: string): string {
  return message.replace(/[.\s]+$/, '');
}
