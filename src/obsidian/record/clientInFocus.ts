/** Which client a command is about: the one whose note is in focus, else the one the clinician picks. */
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import { checkClientCode } from "../../core/record/layout";
import { pickClient } from "./clients";
import type { CommandContext } from "../common/context";
import { activeEncryptedView } from "./EncryptedView";

/** The client of the note in focus, else the one the clinician picks (null: they closed the picker). */
export async function clientInFocus(ctx: CommandContext, record: ClinicalRecord): Promise<string | null> {
	const path = activeEncryptedView(ctx.app)?.currentRecordPath;
	const code = path?.split("/")[0];
	if (code) {
		try {
			return checkClientCode(code);
		} catch {
			// Not a client folder: ask.
		}
	}
	return (await pickClient(ctx.app, record))?.code ?? null;
}
