/**
 * The search index's plaintext layout, which is only ever written inside the encrypted system file
 * `<root>/_vault/search-index.cvault` (docs/FORMAT.md, "Search index"):
 *
 *   "CVSX" | u8 version (1) | 3 zero bytes
 *   | u32 BE length M | meta JSON (UTF-8, M bytes): {model, dims, nextId, files, passages}
 *   | u32 BE length K | keyword index JSON (MiniSearch's own serialisation, K bytes)
 *   | u32 BE count N  | N × (u32 BE passage id | f32 BE scale | dims × int8)
 *
 * Anything that does not parse exactly (short, long, bad magic, unknown version, a passage or file
 * entry of the wrong shape) is an error: the service then rebuilds from the record.
 */
import { fromUtf8, utf8 } from "../bytes";
import type { IndexedFile, Passage, PassageKind } from "./types";
import { PASSAGE_KINDS } from "./types";
import { VectorStore } from "./vectors";

export const INDEX_FILE_NAME = "search-index";
export const INDEX_VERSION = 1;
const MAGIC = [0x43, 0x56, 0x53, 0x58]; // "CVSX"

export interface IndexSnapshot {
	model: string | null;
	nextId: number;
	files: IndexedFile[];
	passages: Passage[];
	keywordJson: string;
	vectors: VectorStore | null;
}

type PassageRow = [number, string, string, number | null, number, string];

export class IndexFormatError extends Error {
	constructor(reason: string) {
		super(reason);
		this.name = "IndexFormatError";
	}
}

export function serializeIndex(snapshot: IndexSnapshot): Uint8Array {
	const meta = utf8(
		JSON.stringify({
			model: snapshot.model,
			dims: snapshot.vectors?.dims ?? null,
			nextId: snapshot.nextId,
			files: snapshot.files,
			passages: snapshot.passages.map((p): PassageRow => [p.id, p.recordPath, p.heading, p.timestamp, p.line, p.text]),
		}),
	);
	const keyword = utf8(snapshot.keywordJson);
	const dims = snapshot.vectors?.dims ?? 0;
	const count = snapshot.vectors?.size ?? 0;
	const out = new Uint8Array(8 + 4 + meta.length + 4 + keyword.length + 4 + count * (8 + dims));
	const view = new DataView(out.buffer);
	out.set(MAGIC, 0);
	out[4] = INDEX_VERSION;
	let at = 8;
	view.setUint32(at, meta.length, false);
	out.set(meta, at + 4);
	at += 4 + meta.length;
	meta.fill(0);
	view.setUint32(at, keyword.length, false);
	out.set(keyword, at + 4);
	at += 4 + keyword.length;
	keyword.fill(0);
	view.setUint32(at, count, false);
	at += 4;
	if (snapshot.vectors) {
		for (const { id, scale, q } of snapshot.vectors.entries()) {
			view.setUint32(at, id, false);
			view.setFloat32(at + 4, scale, false);
			out.set(new Uint8Array(q.buffer, q.byteOffset, q.byteLength), at + 8);
			at += 8 + dims;
		}
	}
	return out;
}

function fail(reason: string): never {
	throw new IndexFormatError(reason);
}

function checkFile(f: unknown): IndexedFile {
	const o = f as Partial<IndexedFile> | null;
	if (
		typeof o !== "object" ||
		o === null ||
		typeof o.recordPath !== "string" ||
		typeof o.client !== "string" ||
		!PASSAGE_KINDS.includes(o.kind as PassageKind) ||
		!(o.date === null || typeof o.date === "string") ||
		!(o.sessionNumber === null || typeof o.sessionNumber === "number") ||
		typeof o.psychotherapy !== "boolean" ||
		typeof o.fingerprint !== "string" ||
		!Array.isArray(o.passageIds) ||
		!o.passageIds.every((n) => Number.isInteger(n))
	) {
		fail("a file entry has the wrong shape");
	}
	return o as IndexedFile;
}

function checkPassage(row: unknown): Passage {
	if (!Array.isArray(row) || row.length !== 6) fail("a passage entry has the wrong shape");
	const [id, recordPath, heading, timestamp, line, text] = row as unknown[];
	if (
		!Number.isInteger(id) ||
		typeof recordPath !== "string" ||
		typeof heading !== "string" ||
		!(timestamp === null || typeof timestamp === "number") ||
		!Number.isInteger(line) ||
		typeof text !== "string"
	) {
		fail("a passage entry has the wrong shape");
	}
	return { id: id as number, recordPath, heading, timestamp, line: line as number, text };
}

export function deserializeIndex(bytes: Uint8Array): IndexSnapshot {
	if (bytes.length < 20 || !MAGIC.every((b, i) => bytes[i] === b)) fail("not a search index (bad magic)");
	if (bytes[4] !== INDEX_VERSION) fail(`search index version ${String(bytes[4])} is not ${INDEX_VERSION}`);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let at = 8;
	const section = (): Uint8Array => {
		if (at + 4 > bytes.length) fail("truncated");
		const length = view.getUint32(at, false);
		if (at + 4 + length > bytes.length) fail("truncated");
		const part = bytes.subarray(at + 4, at + 4 + length);
		at += 4 + length;
		return part;
	};
	let meta: { model?: unknown; dims?: unknown; nextId?: unknown; files?: unknown; passages?: unknown };
	try {
		meta = JSON.parse(fromUtf8(section())) as typeof meta;
	} catch (error) {
		if (error instanceof IndexFormatError) throw error;
		fail("the index's metadata is not valid JSON");
	}
	const keywordJson = fromUtf8(section());
	if (!(meta.model === null || typeof meta.model === "string")) fail("bad model");
	if (!(meta.dims === null || (Number.isInteger(meta.dims) && (meta.dims as number) > 0))) fail("bad dimensions");
	if (!Number.isInteger(meta.nextId) || !Array.isArray(meta.files) || !Array.isArray(meta.passages)) fail("missing fields");
	const files = meta.files.map(checkFile);
	const passages = meta.passages.map(checkPassage);
	if (at + 4 > bytes.length) fail("truncated");
	const count = view.getUint32(at, false);
	at += 4;
	const dims = (meta.dims as number | null) ?? 0;
	if (at + count * (8 + dims) !== bytes.length) fail("the vector section's length does not match");
	let vectors: VectorStore | null = null;
	if (meta.dims !== null) {
		vectors = new VectorStore(dims, Math.max(16, count));
		for (let i = 0; i < count; i++) {
			const id = view.getUint32(at, false);
			const scale = view.getFloat32(at + 4, false);
			vectors.setQuantised(id, scale, new Int8Array(bytes.buffer, bytes.byteOffset + at + 8, dims));
			at += 8 + dims;
		}
	}
	return { model: meta.model, nextId: meta.nextId as number, files, passages, keywordJson, vectors };
}
