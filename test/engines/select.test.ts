/**
 * Engines are found where desktop installs put them, also when the app was started from the Dock
 * or the Start menu with a short PATH (Homebrew's and MacPorts' folders are not on it there).
 */
import { afterEach, describe, expect, it } from "vitest";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findOnPath, usualProgramFolders } from "../../src/engines/select";

let dir: string | undefined;
const savedPath = process.env.PATH;
afterEach(async () => {
	process.env.PATH = savedPath;
	if (dir) await rm(dir, { recursive: true, force: true });
	dir = undefined;
});

describe("finding engine programs", () => {
	it("looks in Homebrew, MacPorts and /usr/local on macOS, and the usual folders elsewhere", () => {
		expect(usualProgramFolders("darwin", { HOME: "/Users/t" })).toEqual(["/opt/homebrew/bin", "/usr/local/bin", "/opt/local/bin", "/Users/t/.local/bin"]);
		expect(usualProgramFolders("linux", { HOME: "/home/t" })).toEqual(
			expect.arrayContaining(["/usr/local/bin", "/usr/bin", "/home/linuxbrew/.linuxbrew/bin"]),
		);
		expect(usualProgramFolders("win32", { USERPROFILE: "C:\\Users\\t", LOCALAPPDATA: "C:\\Users\\t\\AppData\\Local" }).join(";")).toMatch(/WinGet/);
	});

	it("finds an executable in a folder after the PATH, and not a file that is not executable", async () => {
		dir = await mkdtemp(join(tmpdir(), "cv-select-"));
		const exe = join(dir, "whisper-cli");
		await writeFile(exe, "#!/bin/sh\nexit 0\n");
		await chmod(exe, 0o755);
		await writeFile(join(dir, "ffmpeg"), "not executable");
		await chmod(join(dir, "ffmpeg"), 0o644);
		expect(await findOnPath(["whisper-cli"], ["/nonexistent", dir])).toBe(exe);
		expect(await findOnPath(["ffmpeg"], [dir])).toBeNull();
	});

	it("finds the real ffmpeg with an empty PATH, as an app started from the Dock would have", async () => {
		process.env.PATH = "";
		const found = await findOnPath(["ffmpeg"]);
		expect(found).toMatch(/ffmpeg$/);
	});
});
