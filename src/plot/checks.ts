/**
 * Argument checks shared by the chart builders: errors name the function, the argument, the
 * bad value and what would be accepted.
 * @module
 */

/** Throws unless `value` is an integer >= `min`. */
export function checkInt(fn: string, name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(fn: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${fn}: ${name} must be a positive number, got ${value}`);
}

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
