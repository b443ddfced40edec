/**
 * The measures the CLI knows for a vault: the built-in ones and the clinician's own YAML files in
 * `<templates folder>/measures/` (plain text, never client data). A file that cannot be used is said
 * on stderr, once per run, and left out.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadMeasures, MEASURES_FOLDER, type MeasureRegistry } from "../core/measures/registry";
import type { ClinicalVaultSettings } from "../core/settings";
import { notice, type CliIo } from "./output";

export async function measureRegistry(io: CliIo, vault: string, settings: Pick<ClinicalVaultSettings, "templatesFolder">): Promise<MeasureRegistry> {
	const folder = join(vault, settings.templatesFolder, MEASURES_FOLDER);
	const names = await readdir(folder).catch(() => [] as string[]);
	const files: { name: string; text: string }[] = [];
	const unread: string[] = [];
	for (const name of names.filter((n) => /\.ya?ml$/i.test(n)).sort()) {
		try {
			files.push({ name, text: await readFile(join(folder, name), "utf8") });
		} catch (error) {
			unread.push(
				`The measure definition ${MEASURES_FOLDER}/${name} cannot be read (${(error as NodeJS.ErrnoException).code ?? "unreadable"}); it is left out.`,
			);
		}
	}
	const loaded = loadMeasures(files);
	for (const problem of [...unread, ...loaded.problems]) notice(io, problem);
	return loaded;
}
