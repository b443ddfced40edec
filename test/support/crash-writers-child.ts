/**
 * Crash-writers child (bundled by test/core/crashWriters.test.ts with esbuild, run with node,
 * killed with SIGKILL). Reads one JSON line from stdin (WritersChildConfig), builds a
 * ClinicalRecord over the vault folder with the shared device state, prints "ready", then repeats
 * one kind of write forever, printing "start N" before and "done N" after each iteration (with
 * "step N NAME" between the steps of a multi-step one), each line ending with the milliseconds
 * since "ready" by the child's own clock, and "io N" at the first change of the vault in each:
 *
 * - passwd: record.changePassphrase from one of two passphrases to the other, locked, as the CLI does;
 * - client-add: addClientWithConsent with a fresh code and recording consent "yes";
 * - revoke: setConsent yes, REVOKE_FILES audio files and transcripts written, revokeConsent;
 * - index: a SearchService opened, the index note rewritten, the index updated and saved;
 * - mv: moveRecordFile from the path that holds the file to the other one.
 *
 * On Linux, writes to a pipe from process.stdout are synchronous, so every line printed before the
 * kill reaches the parent. With "until" set the child stops at that time and exits 0 (the two-writer
 * test's passwd process).
 */
import { FileDeviceStateStore } from "../../src/cli/deviceState";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { addClientWithConsent, revokeConsent, setConsent } from "../../src/core/record/consent";
import { moveRecordFile } from "../../src/core/record/move";
import { SearchService } from "../../src/core/search/SearchService";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import type { VaultStore } from "../../src/core/store/VaultStore";
import { deriveVaultKeys } from "../../src/core/crypto/vaultkeys";
import { fromHex } from "../../src/core/bytes";
import { NoReplaceFsStore } from "./no-replace-store";
import {
	clientCodeFor,
	clientNameFor,
	INDEX_NOTE,
	indexNoteText,
	MOVE_PATHS,
	revokeFilesFor,
	syntheticAudio,
	syntheticTranscript,
	WRITERS_CLIENT,
	type WritersChildConfig,
} from "./crash-writers-content";

async function readConfig(): Promise<WritersChildConfig> {
	let text = "";
	for await (const chunk of process.stdin) {
		text += String(chunk);
		if (text.includes("\n")) break;
	}
	return JSON.parse(text.slice(0, text.indexOf("\n"))) as WritersChildConfig;
}

function today(): string {
	const now = new Date();
	const pad = (n: number) => String(n).padStart(2, "0");
	return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

let readyAt = 0;
/** The iteration running, and whether its first change of the vault was announced. */
let iteration: number | null = null;
let announced = false;

const MUTATING = new Set(["createExclusive", "write", "append", "rename", "remove"]);

/**
 * The store, printing "io N" at the first change of the vault in iteration N (an audit append,
 * the writer lock, a temporary file): the parent can aim kills at the writing part of an iteration
 * rather than at the key derivations and reads before it.
 */
function announcing(store: VaultStore): VaultStore {
	return new Proxy(store, {
		get(target, property, receiver) {
			const value: unknown = Reflect.get(target, property, receiver);
			if (typeof value !== "function" || !MUTATING.has(String(property))) return value;
			return (...args: unknown[]): unknown => {
				if (iteration !== null && !announced) {
					announced = true;
					say(`io ${iteration}`);
				}
				return (value as (...a: unknown[]) => unknown).apply(target, args);
			};
		},
	});
}

/** Prints one line with the milliseconds since "ready" (this process's clock) at the end. */
function say(line: string): void {
	process.stdout.write(`${line} ${(performance.now() - readyAt).toFixed(2)}\n`);
}

/** One iteration of the kind; `k` numbers it. Returns nothing; prints its steps. */
type Iteration = (k: number) => Promise<void>;

async function iterationFor(config: WritersChildConfig, record: ClinicalRecord): Promise<Iteration> {
	switch (config.kind) {
		case "passwd": {
			const passphrases = config.passphrases!;
			let current = config.current!;
			return async () => {
				await record.changePassphrase(passphrases[current], passphrases[1 - current]!);
				current = current === 0 ? 1 : 0;
			};
		}
		case "client-add":
			return async (k) => {
				await addClientWithConsent(record, { code: clientCodeFor(k), name: clientNameFor(k) }, { recording: "yes", date: today() });
			};
		case "revoke":
			return async (k) => {
				await setConsent(record, WRITERS_CLIENT, { recording: "yes", date: today() });
				say(`step ${k} consent`);
				const { audio, transcripts } = revokeFilesFor(k);
				for (let j = 0; j < audio.length; j++) {
					await record.write(audio[j]!, syntheticAudio(k, j));
					await record.writeText(transcripts[j]!, syntheticTranscript(k, j));
				}
				say(`step ${k} files`);
				await revokeConsent(record, WRITERS_CLIENT);
			};
		case "index":
			return async (k) => {
				const search = new SearchService({ record });
				try {
					await search.open();
					say(`step ${k} opened`);
					await record.writeText(INDEX_NOTE, indexNoteText(k));
					say(`step ${k} written`);
					await search.update(INDEX_NOTE);
					await search.save();
				} finally {
					search.dispose();
				}
			};
		case "mv": {
			let at = config.at!;
			return async () => {
				await moveRecordFile(record, MOVE_PATHS[at], MOVE_PATHS[1 - at]!);
				at = at === 0 ? 1 : 0;
			};
		}
	}
}

async function main(): Promise<void> {
	const config = await readConfig();
	const store = announcing(config.mode === "replace" ? new NodeFsStore(config.dir) : new NoReplaceFsStore(config.dir));
	const record = new ClinicalRecord({ store, device: new FileDeviceStateStore(config.stateDir) });
	// passwd runs locked, as the CLI's passwd does (changePassphrase unwraps the key itself).
	if (config.kind !== "passwd") await record.attachKeys(await deriveVaultKeys(fromHex(config.vaultKey), config.vaultId));
	const run = await iterationFor(config, record);
	readyAt = performance.now();
	process.stdout.write("ready\n");
	for (let k = config.first; config.until === undefined || Date.now() < config.until; k++) {
		say(`start ${k}`);
		iteration = k;
		announced = false;
		await run(k);
		say(`done ${k}`);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`crash-writers child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
