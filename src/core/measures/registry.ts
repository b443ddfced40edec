/**
 * The measures a record knows: the built-in ones and the clinician's own definitions, YAML files in
 * the templates folder (`measures/<id>.yaml`, never client data). A clinician's file that does not
 * parse, breaks the schema, names an unknown scoring rule or takes a built-in id is left out with a
 * problem that says why; the others are used.
 */
import { parse as parseYaml } from "yaml";
import { ClinicalVaultError } from "../errors";
import { BUILTIN_MEASURES } from "./builtin";
import type { MeasureDefinition } from "./definition";
import { checkDefinition } from "./scoring";

/** Where a clinician's definitions live, inside the templates folder. */
export const MEASURES_FOLDER = "measures";

export interface MeasureRegistry {
	definitions: Map<string, MeasureDefinition>;
	/** One sentence per definition file left out. */
	problems: string[];
}

let builtins: Map<string, MeasureDefinition> | undefined;

export function builtinMeasures(): Map<string, MeasureDefinition> {
	builtins ??= new Map(BUILTIN_MEASURES.map((m) => [m.id, checkDefinition(m, `"${m.id}" (built in)`)]));
	return builtins;
}

export function loadMeasures(files: readonly { name: string; text: string }[]): MeasureRegistry {
	const definitions = new Map(builtinMeasures());
	const problems: string[] = [];
	for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
		const where = `${MEASURES_FOLDER}/${file.name}`;
		let data: unknown;
		try {
			data = parseYaml(file.text);
		} catch (error) {
			problems.push(
				`The measure definition ${where} cannot be used: it is not valid YAML (${(error instanceof Error ? error.message : String(error)).split("\n")[0]}).`,
			);
			continue;
		}
		try {
			const def = checkDefinition(data, where);
			if (builtinMeasures().has(def.id))
				throw new ClinicalVaultError(
					"invalid-input",
					`The measure definition ${where} cannot be used: "${def.id}" is a built-in measure; give yours another id.`,
				);
			if (definitions.has(def.id))
				throw new ClinicalVaultError("invalid-input", `The measure definition ${where} cannot be used: another file already defines "${def.id}".`);
			definitions.set(def.id, def);
		} catch (error) {
			problems.push(error instanceof Error ? error.message.replace(/ Nothing was changed\.$/, "") : String(error));
		}
	}
	return { definitions, problems };
}
