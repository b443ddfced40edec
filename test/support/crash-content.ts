/**
 * The contents the crash-test child saves: version k is fully determined by k, so the parent can
 * tell exactly which version a file holds and that it is complete. Sizes rotate between a small
 * note, a two-chunk file and a three-chunk file so kills land in saves of different lengths.
 */
const SIZES = [700, 90_000, 9_000, 150_000];

export function crashContent(version: number): Uint8Array {
	const head = `crash-test version ${version}\n`;
	const size = SIZES[version % SIZES.length]!;
	const line = `synthetic line of version ${version}; `;
	const text = head + line.repeat(Math.ceil((size - head.length) / line.length));
	return new TextEncoder().encode(text.slice(0, size));
}

/** The version a decrypted content claims to be, or null when it is not a crash-test content. */
export function crashVersionOf(content: Uint8Array): number | null {
	const head = new TextDecoder().decode(content.subarray(0, 64));
	const match = /^crash-test version (\d+)\n/.exec(head);
	return match ? Number(match[1]) : null;
}
