/** Every CLI command, in the order the help lists them. */
import type { Command } from "../command";
import { auditCommand } from "./audit";
import { briefCommand } from "./brief";
import { catCommand } from "./cat";
import { clientAddCommand, clientListCommand } from "./client";
import { conflictsCommand } from "./conflicts";
import { measureAddCommand, measureChartCommand, measureListCommand, measureScheduleCommand } from "./measure";
import { modelsCommand } from "./models";
import { mvCommand } from "./mv";
import { rmCommand } from "./rm";
import { consentCommand } from "./consent";
import { docCommand } from "./doc";
import { deidentifyCommand } from "./deidentify";
import { exportCommand } from "./export";
import { importCommand } from "./import";
import { initCommand } from "./init";
import { lsCommand } from "./ls";
import { partsCommand } from "./parts";
import { passwdCommand } from "./passwd";
import { planCommand } from "./plan";
import { privacyCheckCommand } from "./privacy";
import { putCommand } from "./put";
import { rekeyCommand } from "./rekey";
import { draftCommand } from "./draft";
import { addendumCommand, signCommand } from "./sign";
import { retentionCommand } from "./retention";
import { reviewCommand } from "./review";
import { searchCommand } from "./search";
import { transcribeCommand } from "./transcribe";
import { verifyCommand } from "./verify";

export const COMMANDS: readonly Command[] = [
	initCommand,
	clientAddCommand,
	clientListCommand,
	putCommand,
	importCommand,
	catCommand,
	lsCommand,
	rmCommand,
	mvCommand,
	passwdCommand,
	rekeyCommand,
	verifyCommand,
	conflictsCommand,
	auditCommand,
	privacyCheckCommand,
	consentCommand,
	transcribeCommand,
	retentionCommand,
	draftCommand,
	reviewCommand,
	signCommand,
	addendumCommand,
	partsCommand,
	planCommand,
	searchCommand,
	briefCommand,
	measureAddCommand,
	measureListCommand,
	measureChartCommand,
	measureScheduleCommand,
	docCommand,
	exportCommand,
	deidentifyCommand,
	modelsCommand,
];

/** Command groups ("client") whose subcommands are the second word. */
export const GROUPS: ReadonlySet<string> = new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0]!));
