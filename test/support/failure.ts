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
