/**
 * Calendar days as the record writes them (YYYY-MM-DD, the computer's own time zone): session
 * dates, "today", due dates, and the check of a session date given. One implementation for the
 * core, the CLI and the plugin.
 */
import { format } from "date-fns";
import { ClinicalVaultError } from "./errors";

/** The local calendar day of `date`, YYYY-MM-DD. */
export function localDay(date: Date): string {
	return format(date, "yyyy-MM-dd");
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A session date as given (YYYY-MM-DD), else an error that says the form. */
export function checkSessionDate(date: string): string {
	if (!DAY.test(date) || Number.isNaN(new Date(`${date}T00:00:00Z`).getTime())) {
		throw new ClinicalVaultError("invalid-input", `"${date}" is not a date; use YYYY-MM-DD.`);
	}
	return date;
}
