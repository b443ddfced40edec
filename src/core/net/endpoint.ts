/**
 * Which engine addresses may be contacted: loopback always; another host only when the clinician
 * has allowlisted it (a practice server), and then over https unless that host's entry carries an
 * explicit plain-http exception. Every engine URL goes through `checkEndpoint` before any request
 * (in src/engines/http.ts, which also checks what a name resolves to: `checkResolved`).
 *
 * Allowlist entries (one per line in the settings):
 *
 *   practice.lan                       https to practice.lan, any port
 *   practice.lan:11434                 https to that port only
 *   https://practice.lan:11434         the same (the scheme is allowed for pasted URLs)
 *   10.0.0.5  /  [fd00::5]:8080        addresses work like names
 *   http://10.0.0.5:11434 (insecure-ok)   plain http to that host and port: the exception
 *
 * Why a marker and not just the http:// prefix: a clinician pasting an engine URL to name its host
 * would otherwise grant unencrypted traffic without meaning to. "http://host" without the marker is
 * refused with a message that says how to confirm. No paths, user names, wildcards or empty labels.
 *
 * Which names count as local: loopback IP literals (127.0.0.0/8, ::1, ::ffff:127.x) and the name
 * "localhost". Any other name needs the allowlist even when it resolves to 127.0.0.1 (a DNS answer
 * never widens the policy, and the check here stays synchronous for the settings screen). A name
 * that passes as local must then resolve to loopback addresses only (`checkResolved`).
 */
import { ClinicalVaultError } from "../errors";

export interface EndpointPolicy {
	/** Practice servers the clinician allowed; syntax in the module comment. */
	allowlist: string[];
}

export const LOOPBACK_ONLY: EndpointPolicy = { allowlist: [] };

/** The marker that grants a plain-http exception to an http:// entry. */
export const INSECURE_MARKER = "(insecure-ok)";

const IPV4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function bare(host: string): string {
	return host.replace(/^\[|\]$/g, "").toLowerCase();
}

/** A loopback IP address (127.0.0.0/8, ::1, IPv4-mapped 127.x); names are not addresses. */
export function isLoopbackIp(address: string): boolean {
	const h = bare(address);
	if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
	const v4 = IPV4.exec(h);
	return v4 !== null && v4[1] === "127" && v4.slice(1).every((n) => Number(n) <= 255);
}

/** A loopback IP literal, or the name "localhost" (which must then resolve to loopback: `checkResolved`). */
export function isLoopbackAddress(host: string): boolean {
	return bare(host) === "localhost" || isLoopbackIp(host);
}

/** An IP literal (v4 dotted quad or anything with a colon, as URL hostnames give v6), not a name. */
export function isIpLiteral(host: string): boolean {
	const h = bare(host);
	return IPV4.test(h) || h.includes(":");
}

export interface AllowEntry {
	host: string;
	port: string | null;
	plainHttp: boolean;
}

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

function invalidEntry(entry: string, why: string): ClinicalVaultError {
	return new ClinicalVaultError(
		"invalid-input",
		`"${entry}" is not a valid allowlist entry: ${why}. Use a host name or address, optionally with a port (practice.lan:11434); for plain http write "http://host:port ${INSECURE_MARKER}".`,
	);
}

/** Parses one allowlist entry; a malformed one is an "invalid-input" error that says what is wrong. */
export function parseAllowEntry(entry: string): AllowEntry {
	let text = entry.trim();
	if (text === "") throw invalidEntry(entry, "it is empty");
	let marked = false;
	if (text.toLowerCase().endsWith(INSECURE_MARKER)) {
		marked = true;
		text = text.slice(0, -INSECURE_MARKER.length).trim();
	}
	const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase() ?? null;
	if (scheme !== null && scheme !== "http" && scheme !== "https") throw invalidEntry(entry, `${scheme}:// is not http or https`);
	if (marked && scheme !== "http") throw invalidEntry(entry, `${INSECURE_MARKER} goes with an http:// entry only`);
	if (scheme === "http" && !marked) {
		throw new ClinicalVaultError(
			"invalid-input",
			`"${entry}" would allow unencrypted traffic to a practice server. Write "${text} ${INSECURE_MARKER}" to confirm that exception, or use https.`,
		);
	}
	const rest = text.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
	if (rest.includes("/")) throw invalidEntry(entry, "it may not contain a path");
	if (rest.includes("@")) throw invalidEntry(entry, "it may not contain a user name");
	if (rest.includes("*")) throw invalidEntry(entry, "wildcards are not supported, list each host");
	const match = HOST.exec(rest);
	if (!match) throw invalidEntry(entry, "it is not a host name or address");
	const host = bare(match[1]!);
	if (!match[1]!.startsWith("[") && !host.split(".").every((label) => LABEL.test(label))) throw invalidEntry(entry, "it is not a host name or address");
	const port = match[2];
	if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalidEntry(entry, `port ${port} is out of range`);
	return { host, port: port === undefined ? null : String(Number(port)), plainHttp: marked };
}

/** What the policy decided about one URL (before any name resolution). */
export interface EndpointDecision {
	url: URL;
	/** Host without brackets, lower case. */
	host: string;
	port: number;
	scheme: "http" | "https";
	/** "loopback": an address or name on this computer; "allowlisted": a practice server. */
	via: "loopback" | "allowlisted";
}

/** The host, effective port and scheme of a URL, when it parses (for the egress log of refusals too). */
export function endpointParts(raw: string): { host: string; port: number; scheme: string } | null {
	try {
		const url = new URL(raw);
		const scheme = url.protocol.replace(/:$/, "");
		const port = url.port ? Number(url.port) : scheme === "https" ? 443 : scheme === "http" ? 80 : 0;
		return { host: bare(url.hostname), port, scheme };
	} catch {
		return null;
	}
}

/** Parses and checks an engine URL against the policy; returns the decision or throws a refused error. */
export function decideEndpoint(raw: string, policy: EndpointPolicy, what = "engine"): EndpointDecision {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ClinicalVaultError("invalid-input", `The ${what} address "${raw}" is not a URL (expected something like http://127.0.0.1:11434).`);
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") {
		throw new ClinicalVaultError("refused", `The ${what} address must use http or https, not ${url.protocol}`, {
			detail: `scheme ${url.protocol} is not http or https`,
		});
	}
	if (url.username || url.password)
		throw new ClinicalVaultError("refused", `The ${what} address must not contain a user name or password.`, {
			detail: "user name or password in the address",
		});
	const host = bare(url.hostname);
	const scheme = url.protocol === "https:" ? "https" : "http";
	const port = url.port ? Number(url.port) : scheme === "https" ? 443 : 80;
	if (isLoopbackAddress(host)) return { url, host, port, scheme, via: "loopback" };
	const entry = policy.allowlist.map(parseAllowEntry).find((e) => e.host === host && (e.port === null || e.port === String(port)));
	if (!entry) {
		throw new ClinicalVaultError(
			"refused",
			`Refused to contact ${url.host}: the ${what} must run on this computer (127.0.0.1) unless you add its host to the practice-server allowlist.`,
			{ detail: "not this computer and not on the allowlist" },
		);
	}
	if (scheme === "http" && !entry.plainHttp) {
		throw new ClinicalVaultError(
			"refused",
			`Refused plain http to ${url.host}: a practice server needs https (or an explicit exception in the allowlist: "http://${url.host} ${INSECURE_MARKER}").`,
			{ detail: "plain http to an allowlisted host without an exception" },
		);
	}
	return { url, host, port, scheme, via: "allowlisted" };
}

/** Parses and checks an engine URL against the policy; returns the URL or throws a refused error. */
export function checkEndpoint(raw: string, policy: EndpointPolicy, what = "engine"): URL {
	return decideEndpoint(raw, policy, what).url;
}

/**
 * The second half of the gate, after resolving a name the policy let through as local
 * ("localhost"): every address must be loopback, else the name is lying (a hosts file or DNS
 * pointing it elsewhere) and the request is refused. Allowlisted hosts are trusted by name (https
 * authenticates them), so their addresses are not restricted. Returns the addresses to connect to.
 */
export function checkResolved(decision: EndpointDecision, addresses: readonly string[], what = "engine"): readonly string[] {
	if (decision.via === "allowlisted") return addresses;
	if (addresses.length === 0) {
		throw new ClinicalVaultError("engine", `Could not reach the ${what}: ${decision.host} resolves to no address.`, { detail: "no address" });
	}
	const outside = addresses.filter((a) => !isLoopbackIp(a));
	if (outside.length > 0) {
		throw new ClinicalVaultError(
			"refused",
			`Refused to contact ${decision.host}: the name resolves to ${outside.join(", ")}, which is not this computer. Use http://127.0.0.1:${decision.port}, or fix the name in your hosts file.`,
			{ detail: `${decision.host} resolves to ${outside.join(", ")}, not loopback` },
		);
	}
	return addresses;
}
