/** VaultStore over a real folder with Node's fs: used by the CLI, the demo and the tests. */
import { promises as fs, readFileSync } from "node:fs";
import { hostname, uptime } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import * as nodePath from "node:path";
import { ClinicalVaultError } from "../errors";
import type { StoreListing, VaultStore, WriterIdentity } from "./VaultStore";
import { joinPath } from "./VaultStore";
import { newTempPathFor } from "./atomic";

/** FNV-1a, 32 bits: enough to tell computers apart without writing a computer's name into file names. */
function shortHash(text: string): string {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h.toString(16).padStart(8, "0");
}

/**
 * This process as a writer: "h" + a short hash of the computer's name (the name itself never goes
 * into a file name that a sync tool copies) + ".p" + the process id. A tag from this computer is
 * alive while its process is (signal 0: ESRCH means gone); a tag from another computer is unknown.
 * The boot time lets the writer lock tell a lock left by a power cut from one of a live process that
 * happens to have the same id since the restart.
 */
/** Linux names each start of the computer; other systems give none (the boot time is used there). */
function bootId(): { bootId?: string } {
	try {
		const id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
		return /^[0-9a-f-]{36}$/.test(id) ? { bootId: id } : {};
	} catch {
		return {};
	}
}

export const processWriter: WriterIdentity = (() => {
	const host = shortHash(hostname());
	const tag = `h${host}.p${process.pid}`;
	return {
		tag,
		isAlive(other: string): boolean | "unknown" {
			const match = /^h([0-9a-f]{8})\.p(\d+)$/.exec(other);
			if (!match || match[1] !== host) return "unknown";
			const pid = Number(match[2]);
			if (pid === process.pid) return true;
			try {
				process.kill(pid, 0);
				return true;
			} catch (error) {
				return (error as NodeJS.ErrnoException).code === "EPERM";
			}
		},
		wait: (ms: number) => delay(ms).then(() => undefined),
		bootTime: Date.now() - uptime() * 1000,
		...bootId(),
	};
})();

export class NodeFsStore implements VaultStore {
	readonly renameReplaces = true;
	readonly writer = processWriter;

	constructor(readonly basePath: string) {}

	private full(path: string): string {
		const resolved = nodePath.resolve(this.basePath, path);
		const base = nodePath.resolve(this.basePath);
		if (resolved !== base && !resolved.startsWith(base + nodePath.sep))
			throw new ClinicalVaultError("invalid-input", `${path} is outside the vault folder.`, { path });
		return resolved;
	}

	async read(path: string): Promise<Uint8Array> {
		return new Uint8Array(await fs.readFile(this.full(path)));
	}

	async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		const handle = await fs.open(this.full(path), "r");
		try {
			const out = new Uint8Array(Math.max(0, length));
			let filled = 0;
			while (filled < out.length) {
				const { bytesRead } = await handle.read(out, filled, out.length - filled, offset + filled);
				if (bytesRead === 0) break;
				filled += bytesRead;
			}
			return out.subarray(0, filled);
		} finally {
			await handle.close();
		}
	}

	async overwrite(path: string, offset: number, data: Uint8Array): Promise<void> {
		const handle = await fs.open(this.full(path), "r+");
		try {
			for (let done = 0; done < data.length;) {
				const { bytesWritten } = await handle.write(data, done, data.length - done, offset + done);
				if (bytesWritten <= 0) throw Object.assign(new Error(`overwrite of ${path} wrote nothing`), { code: "EIO" });
				done += bytesWritten;
			}
			await handle.sync();
		} finally {
			await handle.close();
		}
	}

	async write(path: string, data: Uint8Array): Promise<void> {
		const full = this.full(path);
		await fs.mkdir(nodePath.dirname(full), { recursive: true });
		const handle = await fs.open(full, "w", 0o600);
		try {
			await handle.writeFile(data);
			await handle.sync();
		} finally {
			await handle.close();
		}
	}

	/**
	 * The file appears with its content at once: written to a unique temporary file, then hard-linked
	 * to its name (link fails if the name exists). Where hard links are not supported (FAT, some
	 * network shares), an exclusive open (O_EXCL) and a write.
	 */
	async createExclusive(path: string, data: Uint8Array): Promise<boolean> {
		const full = this.full(path);
		await fs.mkdir(nodePath.dirname(full), { recursive: true });
		// A temporary file named for this process (atomic.ts), so a sweep leaves it alone.
		const temp = this.full(newTempPathFor(this, path));
		await fs.writeFile(temp, data, { mode: 0o600 });
		try {
			await fs.link(temp, full);
			return true;
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === "EEXIST") return false;
			if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EXDEV") throw error;
		} finally {
			await fs.rm(temp, { force: true });
		}
		try {
			await fs.writeFile(full, data, { flag: "wx", mode: 0o600 });
			return true;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
			throw error;
		}
	}

	async append(path: string, data: Uint8Array): Promise<void> {
		const full = this.full(path);
		await fs.mkdir(nodePath.dirname(full), { recursive: true });
		const handle = await fs.open(full, "a", 0o600);
		try {
			// write() may write less than asked: go on until every byte is in, then fsync.
			for (let offset = 0; offset < data.length;) {
				const { bytesWritten } = await handle.write(data, offset, data.length - offset);
				if (bytesWritten <= 0) throw Object.assign(new Error(`append to ${path} wrote nothing`), { code: "EIO" });
				offset += bytesWritten;
			}
			await handle.sync();
		} finally {
			await handle.close();
		}
	}

	async rename(from: string, to: string): Promise<void> {
		const target = this.full(to);
		await fs.mkdir(nodePath.dirname(target), { recursive: true });
		await fs.rename(this.full(from), target);
		await this.syncDir(nodePath.dirname(target));
	}

	private async syncDir(dir: string): Promise<void> {
		try {
			const handle = await fs.open(dir, "r");
			try {
				await handle.sync();
			} finally {
				await handle.close();
			}
		} catch {
			// Some platforms cannot fsync a directory; the rename itself is still atomic.
		}
	}

	async remove(path: string): Promise<void> {
		await fs.rm(this.full(path), { force: true });
	}

	async exists(path: string): Promise<boolean> {
		try {
			await fs.access(this.full(path));
			return true;
		} catch {
			return false;
		}
	}

	async size(path: string): Promise<number | null> {
		try {
			return (await fs.stat(this.full(path))).size;
		} catch {
			return null;
		}
	}

	async list(folder: string): Promise<StoreListing> {
		const out: StoreListing = { files: [], folders: [] };
		let entries;
		try {
			entries = await fs.readdir(this.full(folder), { withFileTypes: true });
		} catch (error) {
			if ((error as { code?: string }).code === "ENOENT") return out;
			throw error;
		}
		for (const entry of entries) {
			const path = joinPath(folder, entry.name);
			if (entry.isDirectory()) out.folders.push(path);
			else if (entry.isFile()) out.files.push(path);
		}
		out.files.sort();
		out.folders.sort();
		return out;
	}

	async mkdir(path: string): Promise<void> {
		await fs.mkdir(this.full(path), { recursive: true });
	}
}
