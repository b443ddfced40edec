/**
 * Calendar days as the record writes them (YYYY-MM-DD, the computer's own time zone): session
 * dates, "today", due dates. One implementation for the core, the CLI and the plugin.
 */
import { format } from "date-fns";

/** The local calendar day of `date`, YYYY-MM-DD. */
export function localDay(date: Date): string {
	return format(date, "yyyy-MM-dd");
}
