/**
 * Which engine addresses may be contacted: loopback always; another host only when the clinician
 * has allowlisted it (a practice server), and then over https unless that host has an explicit
 * plain-http exception. Every engine URL goes through `checkEndpoint` before any request.
 */
import { ClinicalVaultError } from "../errors";

export interface EndpointPolicy {
	/** Hosts the clinician allowed, e.g. "ollama.practice.lan" or "10.0.0.5:11434"; "http://" prefix grants a plain-http exception. */
	allowlist: string[];
}

export const LOOPBACK_ONLY: EndpointPolicy = { allowlist: [] };

export function isLoopbackAddress(host: string): boolean {
	const h = host.replace(/^\[|\]$/g, "").toLowerCase();
	if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
	const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
	return v4 !== null && v4[1] === "127" && v4.slice(1).every((n) => Number(n) <= 255);
}

interface AllowEntry {
	host: string;
	port: string | null;
	plainHttp: boolean;
}

export function parseAllowEntry(entry: string): AllowEntry {
	const text = entry.trim();
	const plainHttp = /^http:\/\//i.test(text);
	const rest = text.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
	const match = /^(\[[0-9a-f:]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(rest);
	if (!match || rest.includes("/") || (match[2] !== undefined && Number(match[2]) > 65535)) {
		throw new ClinicalVaultError("invalid-input", `"${entry}" is not a valid allowlist entry. Use a host name or address, optionally with a port (practice.lan:11434).`);
	}
	return { host: match[1]!.toLowerCase().replace(/^\[|\]$/g, ""), port: match[2] ?? null, plainHttp };
}

/** Parses and checks an engine URL against the policy; returns the URL or throws a refused error. */
export function checkEndpoint(raw: string, policy: EndpointPolicy, what = "engine"): URL {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ClinicalVaultError("invalid-input", `The ${what} address "${raw}" is not a URL (expected something like http://127.0.0.1:11434).`);
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") {
		throw new ClinicalVaultError("refused", `The ${what} address must use http or https, not ${url.protocol}`);
	}
	if (url.username || url.password) throw new ClinicalVaultError("refused", `The ${what} address must not contain a user name or password.`);
	const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
	if (isLoopbackAddress(host)) return url;
	const port = url.port || (url.protocol === "https:" ? "443" : "80");
	const entry = policy.allowlist.map(parseAllowEntry).find((e) => e.host === host && (e.port === null || e.port === port));
	if (!entry) {
		throw new ClinicalVaultError(
			"refused",
			`Refused to contact ${url.host}: the ${what} must run on this computer (127.0.0.1) unless you add its host to the practice-server allowlist.`,
		);
	}
	if (url.protocol === "http:" && !entry.plainHttp) {
		throw new ClinicalVaultError("refused", `Refused plain http to ${url.host}: a practice server needs https (or an explicit http:// exception in the allowlist).`);
	}
	return url;
}
