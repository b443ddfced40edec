/**
 * Byte-for-byte equality of large buffers. Vitest's toEqual walks a Uint8Array element by element
 * (about 11 s for a 2 MB recording on a busy 2-core machine); this compares natively and, on a
 * mismatch, says where the bytes first differ.
 */
import { expect } from "vitest";

export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
	const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
	const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
	if (a.equals(b)) return;
	let at = 0;
	while (at < Math.min(a.length, b.length) && a[at] === b[at]) at++;
	expect.fail(`bytes differ: ${a.length} bytes against ${b.length} expected, first difference at offset ${at}`);
}
