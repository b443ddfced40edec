/**
 * The arguments that parts and plan share: the source note (which must be the client's), the
 * `--accept` list and `--json` (for printing the page only: proposals are always JSON).
 */
import { parseAcceptance, type Acceptance } from "../core/proposals/proposals";
import { stringOption, usageError, type OptionValues } from "./args";
import { asUsage, validRecordPath } from "./vault";

export interface ProposalArgs {
	source: string | undefined;
	accept: Acceptance | undefined;
	json: boolean;
}

export function proposalArgs(options: OptionValues, client: string, sourceFlag: string | undefined, page: string): ProposalArgs {
	const source = sourceFlag === undefined ? undefined : validRecordPath(sourceFlag);
	if (source !== undefined && !source.startsWith(`${client}/`)) throw usageError(`${source} does not belong to client ${client}.`);
	const acceptFlag = stringOption(options, "accept");
	const accept = acceptFlag === undefined ? undefined : asUsage(() => parseAcceptance(acceptFlag));
	const json = options.json === true;
	if (json && (source !== undefined || accept !== undefined)) throw usageError(`--json is for printing the ${page}; proposals are always printed as JSON.`);
	return { source, accept, json };
}
