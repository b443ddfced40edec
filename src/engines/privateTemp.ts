/**
 * A private temporary directory (mode 0700) for the few engine files that must touch disk
 * (whisper-cli's JSON output). Files are overwritten with zeros before removal, in finally blocks,
 * on cancel too; leftovers from a crash are swept at start-up.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const PREFIX = "clinical-vault-";
const OWNER = "owner.pid";

function alive(pid: number): boolean {
	if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as { code?: string }).code === "EPERM";
	}
}

export function tempRoot(): string {
	return os.tmpdir();
}

export async function makePrivateDir(root = tempRoot()): Promise<string> {
	const dir = await fs.mkdtemp(path.join(root, PREFIX));
	await fs.chmod(dir, 0o700);
	await fs.writeFile(path.join(dir, OWNER), String(process.pid), { mode: 0o600 });
	return dir;
}

async function shred(file: string): Promise<void> {
	try {
		const stat = await fs.stat(file);
		if (stat.isFile() && stat.size > 0) {
			const handle = await fs.open(file, "r+");
			try {
				await handle.write(Buffer.alloc(stat.size), 0, stat.size, 0);
				await handle.sync();
			} finally {
				await handle.close();
			}
		}
	} catch {
		// Already gone.
	}
	await fs.rm(file, { force: true });
}

/** Overwrites every file in the directory, then removes it. */
export async function destroyPrivateDir(dir: string): Promise<void> {
	try {
		for (const name of await fs.readdir(dir)) await shred(path.join(dir, name));
	} catch {
		// Nothing to shred.
	}
	await fs.rm(dir, { recursive: true, force: true });
}

/**
 * Private directories left behind by a crash: ours only (this user, our prefix) and whose owning
 * process is gone, with how many files each still holds. Listing only (privacy-check reports them).
 */
export async function leftoverPrivateDirs(root = tempRoot()): Promise<{ path: string; files: number }[]> {
	const out: { path: string; files: number }[] = [];
	let names: string[];
	try {
		names = await fs.readdir(root);
	} catch {
		return out;
	}
	const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
	for (const name of names.filter((n) => n.startsWith(PREFIX)).sort()) {
		const dir = path.join(root, name);
		try {
			const stat = await fs.stat(dir);
			if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
			const owner = Number(await fs.readFile(path.join(dir, OWNER), "utf8").catch(() => "0"));
			if (owner === process.pid || alive(owner)) continue; // in use right now
			out.push({ path: dir, files: (await fs.readdir(dir)).filter((f) => f !== OWNER).length });
		} catch {
			// Removed meanwhile by a sweep.
		}
	}
	return out;
}

/** Removes private directories left by a crash (see leftoverPrivateDirs); returns how many. */
export async function sweepPrivateDirs(root = tempRoot()): Promise<number> {
	let removed = 0;
	for (const { path: dir } of await leftoverPrivateDirs(root)) {
		try {
			await destroyPrivateDir(dir);
			removed++;
		} catch {
			// Raced with another process; leave it.
		}
	}
	return removed;
}
