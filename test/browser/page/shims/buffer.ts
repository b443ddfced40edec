/**
 * The part of Node's `Buffer` the plugin uses in Obsidian (Electron gives plugins Node's Buffer as
 * a global): src/core/bytes.ts converts base64 and hex with it, and the page's in-memory file
 * system returns file contents as a Buffer, as Node's fs does. UTF-8, base64, hex and latin1 only;
 * anything else throws rather than guessing.
 */

type Encoding = "utf8" | "utf-8" | "base64" | "hex" | "latin1" | "binary";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function encodingOf(encoding: string | undefined): Encoding {
	const e = (encoding ?? "utf8").toLowerCase();
	if (e === "utf8" || e === "utf-8" || e === "base64" || e === "hex" || e === "latin1" || e === "binary") return e;
	throw new Error(`Buffer shim: encoding "${e}" is not supported in the browser test page`);
}

function decodeString(text: string, encoding: Encoding): Uint8Array {
	switch (encoding) {
		case "base64": {
			// Like Node: whitespace and padding are ignored, invalid characters end the data.
			const clean = text.replace(/[^A-Za-z0-9+/]/g, "");
			const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
			let bits = 0;
			let value = 0;
			let n = 0;
			for (const ch of clean) {
				value = (value << 6) | BASE64.indexOf(ch);
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					out[n++] = (value >> bits) & 0xff;
				}
			}
			return out.subarray(0, n);
		}
		case "hex": {
			// Like Node: stops at the first pair that is not hex.
			const out = new Uint8Array(Math.floor(text.length / 2));
			let n = 0;
			for (; n < out.length; n++) {
				const pair = text.slice(2 * n, 2 * n + 2);
				if (!/^[0-9a-fA-F]{2}$/.test(pair)) break;
				out[n] = parseInt(pair, 16);
			}
			return out.subarray(0, n);
		}
		case "latin1":
		case "binary":
			return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
		default:
			return new TextEncoder().encode(text);
	}
}

function encodeBytes(bytes: Uint8Array, encoding: Encoding): string {
	switch (encoding) {
		case "base64": {
			let out = "";
			for (let i = 0; i < bytes.length; i += 3) {
				const a = bytes[i] ?? 0;
				const b = bytes[i + 1] ?? 0;
				const c = bytes[i + 2] ?? 0;
				out += BASE64[a >> 2];
				out += BASE64[((a & 3) << 4) | (b >> 4)];
				out += i + 1 < bytes.length ? BASE64[((b & 15) << 2) | (c >> 6)] : "=";
				out += i + 2 < bytes.length ? BASE64[c & 63] : "=";
			}
			return out;
		}
		case "hex":
			return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
		case "latin1":
		case "binary":
			return Array.from(bytes, (b) => String.fromCharCode(b)).join("");
		default:
			return new TextDecoder().decode(bytes);
	}
}

class ShimBuffer extends Uint8Array {
	override toString(encoding?: string, start = 0, end = this.length): string {
		return encodeBytes(this.subarray(start, end), encodingOf(encoding));
	}

	equals(other: Uint8Array): boolean {
		return this.length === other.length && this.every((b, i) => b === other[i]);
	}

	override includes(value: number | string | Uint8Array, byteOffset = 0): boolean {
		if (typeof value === "number") return super.includes(value, byteOffset);
		const needle = typeof value === "string" ? decodeString(value, "utf8") : value;
		outer: for (let i = byteOffset; i + needle.length <= this.length; i++) {
			for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
			return true;
		}
		return false;
	}
}

function wrap(bytes: Uint8Array): ShimBuffer {
	return new ShimBuffer(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

/** Buffer.from: a string in an encoding, bytes (copied), or a view on an ArrayBuffer (shared, like Node). */
function from(value: string | ArrayBuffer | ArrayLike<number>, encodingOrOffset?: string | number, length?: number): ShimBuffer {
	if (typeof value === "string") return wrap(decodeString(value, encodingOf(typeof encodingOrOffset === "string" ? encodingOrOffset : undefined)));
	if (value instanceof ArrayBuffer) {
		const offset = typeof encodingOrOffset === "number" ? encodingOrOffset : 0;
		return new ShimBuffer(value, offset, length ?? value.byteLength - offset);
	}
	return wrap(Uint8Array.from(value));
}

function alloc(size: number, fill = 0): ShimBuffer {
	return wrap(new Uint8Array(size).fill(fill));
}

function concat(list: readonly Uint8Array[], totalLength?: number): ShimBuffer {
	const size = totalLength ?? list.reduce((n, part) => n + part.length, 0);
	const out = new Uint8Array(size);
	let offset = 0;
	for (const part of list) {
		out.set(part.subarray(0, Math.max(0, size - offset)), offset);
		offset += part.length;
		if (offset >= size) break;
	}
	return wrap(out);
}

function isBuffer(value: unknown): value is ShimBuffer {
	return value instanceof ShimBuffer;
}

function byteLength(value: string | Uint8Array, encoding?: string): number {
	return typeof value === "string" ? decodeString(value, encodingOf(encoding)).length : value.byteLength;
}

interface BufferStatics {
	from: typeof from;
	alloc: typeof alloc;
	allocUnsafe: typeof alloc;
	concat: typeof concat;
	isBuffer: typeof isBuffer;
	byteLength: typeof byteLength;
}

/** Node's statics replace Uint8Array's (Buffer.from takes an encoding, not a map function). */
export const Buffer: BufferStatics & (abstract new (...args: never[]) => ShimBuffer) = Object.assign(ShimBuffer, {
	from,
	alloc,
	allocUnsafe: alloc,
	concat,
	isBuffer,
	byteLength,
});
export type Buffer = ShimBuffer;
