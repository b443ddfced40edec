/**
 * Crash-test child (bundled by test/core/crash.test.ts with esbuild, run with node, killed with
 * SIGKILL). Reads one JSON line from stdin: the vault folder, the raw vault key (hex), the vault
 * id, the store mode, the record path and the first version number. Derives the keys, attaches
 * them to a ClinicalRecord, prints "ready", then saves versions first, first+1, … to the same
 * record path forever, printing "start N" before and "done N" after each save. On Linux, writes
 * to a pipe from process.stdout are synchronous, so every line printed before the kill reaches
 * the parent. With "count" set it stops after that many saves and prints "ms N" per save (used to
 * calibrate the kill delays); with "until" it stops at that time.
 */
import { FileDeviceStateStore } from "../../src/cli/deviceState";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { deriveVaultKeys } from "../../src/core/crypto/vaultkeys";
import { encryptFile } from "../../src/core/crypto/fileformat";
import { fromHex } from "../../src/core/bytes";
import { crashContent } from "./crash-content";
import { NoReplaceFsStore } from "./no-replace-store";

interface ChildConfig {
	dir: string;
	vaultKey: string;
	vaultId: string;
	mode: "replace" | "no-replace";
	path: string;
	first: number;
	count?: number;
	/** Stop at this time (epoch ms) instead of after "count" saves (the two-writer test's timed run). */
	until?: number;
	/** false: the store cannot create files exclusively, so the record's cross-process writer lock is off (to measure what it prevents). */
	writerLock?: boolean;
	/** The device state folder (the CLI's kind): children of one test are processes of one computer, sharing one audit log. */
	stateDir?: string;
}

async function readConfig(): Promise<ChildConfig> {
	let text = "";
	for await (const chunk of process.stdin) {
		text += String(chunk);
		if (text.includes("\n")) break;
	}
	return JSON.parse(text.slice(0, text.indexOf("\n"))) as ChildConfig;
}

async function main(): Promise<void> {
	const config = await readConfig();
	const store = config.mode === "replace" ? new NodeFsStore(config.dir) : new NoReplaceFsStore(config.dir);
	if (config.writerLock === false) (store as { createExclusive?: unknown }).createExclusive = undefined;
	const record = new ClinicalRecord({ store, ...(config.stateDir ? { device: new FileDeviceStateStore(config.stateDir) } : {}) });
	const keys = await deriveVaultKeys(fromHex(config.vaultKey), config.vaultId);
	await record.attachKeys(keys);
	// Warm up WebCrypto (not written anywhere) so the first save is not much slower than the rest.
	await encryptFile(keys, { fileId: "0".repeat(32), path: config.path, contentType: "text/markdown" }, crashContent(config.first));
	process.stdout.write("ready\n");
	const more = (k: number) => (config.until !== undefined ? Date.now() < config.until : config.count === undefined || k < config.first + config.count);
	for (let k = config.first; more(k); k++) {
		process.stdout.write(`start ${k}\n`);
		const started = performance.now();
		await record.write(config.path, crashContent(k));
		process.stdout.write(`done ${k}\n`);
		if (config.count !== undefined) process.stdout.write(`ms ${(performance.now() - started).toFixed(3)}\n`);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`crash child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
