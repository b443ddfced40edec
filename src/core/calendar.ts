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

/** A session date as given (YYYY-MM-DD, a day the calendar has), else an error that says the form. */
export function checkSessionDate(date: string): string {
	// JavaScript reads 2026-02-31 as 3 March: the day must come back as written.
	const parsed = new Date(`${date}T00:00:00Z`);
	if (!DAY.test(date) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
		throw new ClinicalVaultError("invalid-input", `"${date}" is not a date; use YYYY-MM-DD.`);
	}
	return date;
}
