/**
 * `node:os` for the browser page: the folders the plugin asks for (the temp folder it sweeps at
 * start-up, the home folder an export path starts from) on the in-memory disk, and a Linux
 * platform. No CPU list: the page runs no engines (whisper's thread count falls back to 1).
 */
export const EOL = "\n";

export function tmpdir(): string {
	return "/tmp";
}

export function homedir(): string {
	return "/home/clinician";
}

export function platform(): string {
	return "linux";
}

export function cpus(): unknown[] {
	return [];
}

/** The computer's name: a fixed synthetic one (the store hashes it into its writer tag). */
export function hostname(): string {
	return "clinician-laptop";
}

/** Seconds since the computer started (the writer lock's boot time): an hour, fixed. */
export function uptime(): number {
	return 3600;
}
