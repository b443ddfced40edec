/** Small, dependency-free byte helpers shared by the crypto format, the store and the record. */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(text: string): Uint8Array {
	return encoder.encode(text);
}

/** Strict UTF-8 decoding: invalid sequences throw instead of being replaced. */
export function fromUtf8(bytes: Uint8Array): string {
	return decoder.decode(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
	let length = 0;
	for (const p of parts) length += p.length;
	const out = new Uint8Array(length);
	let offset = 0;
	for (const p of parts) {
		out.set(p, offset);
		offset += p.length;
	}
	return out;
}

export function toBase64(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error("invalid base64");
	return new Uint8Array(Buffer.from(text, "base64"));
}

export function toHex(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function fromHex(text: string): Uint8Array {
	if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new Error("invalid hex");
	return new Uint8Array(Buffer.from(text, "hex"));
}

export function randomBytes(length: number): Uint8Array {
	const out = new Uint8Array(length);
	// getRandomValues fills at most 65,536 bytes per call.
	for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65_536)));
	return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
	return diff === 0;
}

/** Overwrites a buffer holding key material or plaintext before it is dropped. */
export function wipe(bytes: Uint8Array | undefined): void {
	if (bytes) bytes.fill(0);
}

/** A copy backed by its own ArrayBuffer (WebCrypto wants BufferSource without shared offsets). */
export function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	const copy = new Uint8Array(new ArrayBuffer(bytes.length));
	copy.set(bytes);
	return copy;
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.digest("SHA-256", own(bytes)));
}
