import type * as http from "node:http";
import type { Duplex } from "node:stream";
import { ClinicalVaultError } from "../../src/core/errors";

/** The ClinicalVaultError that `work` fails with; any other outcome fails the test. */
export async function failure(work: () => Promise<unknown>): Promise<ClinicalVaultError> {
	try {
		await work();
	} catch (error) {
		if (error instanceof ClinicalVaultError) return error;
		throw error;
	}
	throw new Error("expected a ClinicalVaultError");
}

/** An agent that records each connection attempt and makes none (nothing leaves the machine). */
export function recordingAgent<A extends http.Agent>(Base: new () => A): A & { attempts: string[] } {
	const agent = new Base() as A & { attempts: string[] };
	agent.attempts = [];
	agent.createConnection = (options, callback) => {
		agent.attempts.push(`${options.host ?? ""}:${String(options.port ?? "")}`);
		const error = Object.assign(new Error("test agent: no connection is made"), { code: "ETESTBLOCKED" });
		process.nextTick(() => callback?.(error, undefined as unknown as Duplex));
		return undefined;
	};
	return agent;
}
