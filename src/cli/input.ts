/** Reading the content for `put`: a file, or stdin when the source is "-". Bytes, never text. */
import { readFile } from "node:fs/promises";
import { usageError } from "./args";
import { notice, type CliIo } from "./output";

export async function readStream(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
	const all = Buffer.concat(chunks);
	for (const c of chunks) c.fill(0);
	return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

export async function readSource(io: CliIo, source: string): Promise<Uint8Array> {
	if (source === "-") {
		if (io.stdin.isTTY) notice(io, "Type or paste the content, then press Ctrl-D on an empty line.");
		return readStream(io.stdin);
	}
	try {
		return new Uint8Array(await readFile(source));
	} catch (error) {
		const code = (error as { code?: string }).code ?? "unreadable";
		throw usageError(`Cannot read ${source} given to --from (${code}).`);
	}
}
