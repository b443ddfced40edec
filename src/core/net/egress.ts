/**
 * The egress log: every outbound attempt the plugin or the CLI makes (through src/engines/http.ts),
 * allowed or refused, in memory only. It holds where and how much, never what: host, port, scheme,
 * the address connected to, time, byte counts, the purpose label, the refusal reason. No URL paths
 * or queries (they can carry data), no headers (tokens), no bodies. It is never written to disk; the
 * plugin's privacy view shows it and the CLI prints it with --egress-log.
 *
 * A ring of the last `capacity` attempts (500 by default): enough to review a working day of engine
 * calls, bounded so a long session cannot grow memory without end. One process-wide instance,
 * `egressLog`, is what the HTTP client writes to.
 */

/** What the request was for (a label chosen by the engine code, never derived from data). */
export type EgressPurpose = "ollama" | "whisper-server" | "openai-compatible" | "engine-probe" | "engine";

export type EgressOutcome = "refused" | "open" | "ok" | "failed" | "cancelled";

export interface EgressEntry {
	/** Increasing number, unique within the process. */
	readonly id: number;
	/** When the attempt started (ISO 8601). */
	readonly time: string;
	readonly host: string;
	readonly port: number;
	readonly scheme: string;
	/** The IP address actually connected to, once known. */
	readonly address?: string;
	readonly allowed: boolean;
	/** For refusals and failures: why, in one line (no data, no paths). */
	readonly reason?: string;
	readonly purpose: EgressPurpose;
	/** "open" while the request runs. */
	readonly outcome: EgressOutcome;
	/** Bytes written to the connection for this request (request line, headers and body). */
	readonly bytesSent: number;
	/** Bytes read from the connection for this request (status line, headers and body). */
	readonly bytesReceived: number;
}

export interface EgressStart {
	host: string;
	port: number;
	scheme: string;
	purpose: EgressPurpose;
	allowed: boolean;
	reason?: string;
	address?: string;
}

export interface EgressFinish {
	outcome: Exclude<EgressOutcome, "open" | "refused">;
	bytesSent: number;
	bytesReceived: number;
	address?: string;
	reason?: string;
}

/** Updates one open entry; calling it again after the first time does nothing. */
export type EgressHandle = (finish: EgressFinish) => void;

export class EgressLog {
	private ring: EgressEntry[] = [];
	private nextId = 1;
	private readonly listeners = new Set<(entries: readonly EgressEntry[]) => void>();

	constructor(
		readonly capacity = 500,
		private readonly now: () => Date = () => new Date(),
	) {}

	/** The attempts, oldest first (a copy; entries are immutable). */
	entries(): readonly EgressEntry[] {
		return [...this.ring];
	}

	/** Called after every change with the current entries; returns the unsubscribe function. */
	onChange(listener: (entries: readonly EgressEntry[]) => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	clear(): void {
		this.ring = [];
		this.emit();
	}

	/** Records a refused attempt (nothing was sent). */
	refused(start: Omit<EgressStart, "allowed">): EgressEntry {
		const entry: EgressEntry = { ...this.base({ ...start, allowed: false }), outcome: "refused" };
		this.push(entry);
		return entry;
	}

	/** Records an allowed attempt as "open"; the handle sets its outcome and byte counts when it ends. */
	start(start: Omit<EgressStart, "allowed" | "reason">): EgressHandle {
		const entry: EgressEntry = { ...this.base({ ...start, allowed: true }), outcome: "open" };
		this.push(entry);
		let done = false;
		return (finish) => {
			if (done) return;
			done = true;
			const i = this.ring.findIndex((e) => e.id === entry.id);
			const updated: EgressEntry = {
				...entry,
				outcome: finish.outcome,
				bytesSent: finish.bytesSent,
				bytesReceived: finish.bytesReceived,
				...((finish.address ?? entry.address) ? { address: finish.address ?? entry.address } : {}),
				...(finish.reason ? { reason: finish.reason } : {}),
			};
			// An entry pushed out of the ring meanwhile stays out.
			if (i !== -1) {
				this.ring[i] = updated;
				this.emit();
			}
		};
	}

	private base(start: EgressStart): Omit<EgressEntry, "outcome"> {
		return {
			id: this.nextId++,
			time: this.now().toISOString(),
			host: start.host,
			port: start.port,
			scheme: start.scheme,
			...(start.address ? { address: start.address } : {}),
			allowed: start.allowed,
			...(start.reason ? { reason: start.reason } : {}),
			purpose: start.purpose,
			bytesSent: 0,
			bytesReceived: 0,
		};
	}

	private push(entry: EgressEntry): void {
		this.ring.push(entry);
		if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
		this.emit();
	}

	private emit(): void {
		if (this.listeners.size === 0) return;
		const snapshot = this.entries();
		for (const listener of [...this.listeners]) {
			try {
				listener(snapshot);
			} catch {
				// A broken view must not break a request.
			}
		}
	}
}

/** The process-wide log the HTTP client writes to. */
export const egressLog = new EgressLog();

/** "1.2 KB", "340 B", "3.4 MB". */
export function formatBytes(n: number): string {
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
	return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * One line per attempt, for the CLI's --egress-log and for copying out of the privacy view:
 *   egress 127.0.0.1:11434 allowed ollama sent 1.2 KB received 3.4 KB at 2026-09-01T10:00:00.000Z
 *   egress localhost:8080 (127.0.0.1) allowed whisper-server failed (ECONNREFUSED) sent 0 B received 0 B at …
 *   egress 192.0.2.10:11434 refused ollama (not this computer and not on the allowlist) at …
 */
export function formatEgressEntry(e: EgressEntry): string {
	const host = e.host.includes(":") ? `[${e.host}]` : e.host;
	const where = `${host}:${e.port}${e.address && e.address !== e.host ? ` (${e.address})` : ""}`;
	const why = e.reason ? ` (${e.reason})` : "";
	if (!e.allowed) return `egress ${where} refused ${e.purpose}${why} at ${e.time}`;
	const outcome = e.outcome === "ok" ? "" : ` ${e.outcome}${why}`;
	return `egress ${where} allowed ${e.purpose}${outcome} sent ${formatBytes(e.bytesSent)} received ${formatBytes(e.bytesReceived)} at ${e.time}`;
}
