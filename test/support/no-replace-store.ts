/**
 * A real-folder store whose rename refuses an existing destination, like Obsidian's vault adapter:
 * it makes ./atomic.ts take the backup/rename path. Used by the crash test (parent and child).
 */
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import type { StoreListing, VaultStore } from "../../src/core/store/VaultStore";

export class NoReplaceFsStore implements VaultStore {
	readonly renameReplaces = false;
	private readonly inner: NodeFsStore;

	constructor(readonly basePath: string) {
		this.inner = new NodeFsStore(basePath);
	}

	async rename(from: string, to: string): Promise<void> {
		if (await this.inner.exists(to)) throw Object.assign(new Error(`Destination file already exists: ${to}`), { code: "EEXIST" });
		await this.inner.rename(from, to);
	}

	read(path: string): Promise<Uint8Array> {
		return this.inner.read(path);
	}
	write(path: string, data: Uint8Array): Promise<void> {
		return this.inner.write(path, data);
	}
	append(path: string, data: Uint8Array): Promise<void> {
		return this.inner.append(path, data);
	}
	remove(path: string): Promise<void> {
		return this.inner.remove(path);
	}
	size(path: string): Promise<number | null> {
		return this.inner.size(path);
	}

	exists(path: string): Promise<boolean> {
		return this.inner.exists(path);
	}
	list(folder: string): Promise<StoreListing> {
		return this.inner.list(folder);
	}
	mkdir(path: string): Promise<void> {
		return this.inner.mkdir(path);
	}
}
