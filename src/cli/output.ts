/**
 * The CLI's streams and how it writes to them. Commands never write to stdout directly: they
 * return their output, and the runner writes it after the record is locked, so a failing command
 * prints nothing on stdout. Errors are one line on stderr; CLINICAL_VAULT_DEBUG=1 adds the
 * error's technical detail (never clinical content) on a second line.
 */
import type { ClinicalVaultError } from "../core/errors";

export interface TtyInput extends NodeJS.ReadableStream {
	isTTY?: boolean;
	setRawMode?(mode: boolean): unknown;
}

export interface CliIo {
	stdin: TtyInput;
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	env: Record<string, string | undefined>;
}

export const PROGRAM = "clinical-vault";

/** Writes and waits until the data is handed to the OS. A closed pipe (EPIPE) is not an error. */
export function writeAll(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
	return new Promise((resolve, reject) => {
		if (data.length === 0) {
			resolve();
			return;
		}
		stream.write(data, (error) => {
			if (!error || (error as { code?: string }).code === "EPIPE") resolve();
			else reject(error);
		});
	});
}

function oneLine(text: string): string {
	return text.replace(/\s*\n\s*/g, " ").trim();
}

/** `clinical-vault: <message>` and, when debugging, the detail on a second line. */
export function formatError(error: ClinicalVaultError, debug: boolean): string {
	let out = `${PROGRAM}: ${oneLine(error.message)}\n`;
	if (debug && error.detail) out += `${PROGRAM}: detail: ${oneLine(error.detail)}\n`;
	return out;
}

/** Progress and notices for the person at the terminal (stderr, so stdout stays clean). */
export function notice(io: CliIo, text: string): void {
	io.stderr.write(`${text}\n`);
}
