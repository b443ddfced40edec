/**
 * `node:path` for the browser page: the POSIX flavour only (Obsidian on Linux and macOS; the page's
 * in-memory file system uses POSIX paths). The working directory is "/", so resolve() of a relative
 * path is relative to the root. Only what the stub and the plugin reach is here.
 */

export const sep = "/";
export const delimiter = ":";

export function isAbsolute(path: string): boolean {
	return path.startsWith("/");
}

/** Resolves "." and ".." and repeated slashes; keeps a leading "/" and, like Node, a trailing one. */
export function normalize(path: string): string {
	if (path === "") return ".";
	const absolute = isAbsolute(path);
	const trailing = path.endsWith("/");
	const out: string[] = [];
	for (const segment of path.split("/")) {
		if (segment === "" || segment === ".") continue;
		if (segment === "..") {
			if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
			else if (!absolute) out.push("..");
		} else out.push(segment);
	}
	let joined = out.join("/");
	if (joined === "") return absolute ? "/" : trailing ? "./" : ".";
	if (trailing) joined += "/";
	return absolute ? `/${joined}` : joined;
}

export function join(...parts: string[]): string {
	const nonEmpty = parts.filter((p) => p !== "");
	return nonEmpty.length === 0 ? "." : normalize(nonEmpty.join("/"));
}

/** Like Node's, with "/" as the working directory; the result has no trailing slash. */
export function resolve(...parts: string[]): string {
	let path = "";
	for (let i = parts.length - 1; i >= 0 && !isAbsolute(path); i--) {
		const part = parts[i] ?? "";
		if (part !== "") path = path === "" ? part : `${part}/${path}`;
	}
	const normal = normalize(`/${path}`);
	return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

export function dirname(path: string): string {
	if (path === "") return ".";
	const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
	const slash = trimmed.lastIndexOf("/");
	if (slash === -1) return ".";
	if (slash === 0) return "/";
	return trimmed.slice(0, slash);
}

export function basename(path: string, ext?: string): string {
	const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
	const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
	return ext !== undefined && ext !== base && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
	const base = basename(path);
	const dot = base.lastIndexOf(".");
	return dot <= 0 ? "" : base.slice(dot);
}

export function relative(from: string, to: string): string {
	const a = resolve(from)
		.split("/")
		.filter((s) => s !== "");
	const b = resolve(to)
		.split("/")
		.filter((s) => s !== "");
	let common = 0;
	while (common < a.length && common < b.length && a[common] === b[common]) common++;
	return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
}

const path = { sep, delimiter, isAbsolute, normalize, join, resolve, dirname, basename, extname, relative };

/** `path.posix` is the same functions (`nodePath.posix.basename`). */
export const posix = path;

export default path;
