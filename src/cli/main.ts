/** Entry point of the `clinical-vault` CLI (bundled to dist/cli.js). */
import { run } from "./run";

// A reader that closes the pipe early (`clinical-vault cat … | head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
	if (error.code !== "EPIPE") throw error;
});

void run(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
	process.exitCode = code;
});
