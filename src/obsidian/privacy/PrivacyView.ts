/**
 * The privacy pane: every outbound connection the plugin tried since Obsidian started (host, port,
 * purpose, allowed or refused, bytes; never content), updated live, and the privacy check's
 * findings with their one-line fixes. "A network log that goes silent while I do clinical work."
 */
import { ItemView, type WorkspaceLeaf } from "obsidian";
import { formatBytes, type EgressEntry } from "../../core/net/egress";
import type { PrivacyReport } from "../../core/privacy/check";
import { toClinicalError } from "../../core/errors";
import { PRIVACY_VIEW_TYPE } from "../common/viewTypes";

export interface PrivacyViewDeps {
	entries: () => readonly EgressEntry[];
	onEgress: (listener: () => void) => () => void;
	check: () => Promise<PrivacyReport>;
}

export class PrivacyView extends ItemView {
	private logEl: HTMLElement | null = null;
	private reportEl: HTMLElement | null = null;
	private stop: (() => void) | null = null;

	constructor(
		leaf: WorkspaceLeaf,
		private readonly deps: PrivacyViewDeps,
	) {
		super(leaf);
		this.icon = "shield-check";
	}

	getViewType(): string {
		return PRIVACY_VIEW_TYPE;
	}

	override getDisplayText(): string {
		return "Privacy and connections";
	}

	override async onOpen(): Promise<void> {
		const root = this.contentEl;
		root.empty();
		root.addClass("clinical-vault-privacy");
		root.createEl("h4", { text: "Privacy check" });
		const button = root.createEl("button", { text: "Run privacy check", cls: "mod-cta" });
		button.addEventListener("click", () => void this.runCheck());
		this.reportEl = root.createDiv({ cls: "clinical-vault-privacy-report" });
		root.createEl("h4", { text: "Outbound connections since Obsidian started" });
		root.createEl("p", {
			cls: "clinical-vault-modal-description",
			text: "Host, port, purpose and size only: never what was sent. Only this computer (loopback) and practice servers you allowlisted can be reached.",
		});
		this.logEl = root.createDiv({ cls: "clinical-vault-egress-log" });
		this.stop = this.deps.onEgress(() => this.renderLog());
		this.renderLog();
	}

	private renderLog(): void {
		const el = this.logEl;
		if (!el) return;
		el.empty();
		const entries = [...this.deps.entries()].reverse();
		if (entries.length === 0) {
			el.createEl("p", { text: "None: nothing has left this computer, and nothing has been attempted." });
			return;
		}
		for (const e of entries) {
			const row = el.createDiv({ cls: `clinical-vault-egress-entry ${e.allowed ? "" : "clinical-vault-problem"}`.trim() });
			const where = `${e.scheme}://${e.host}:${e.port}`;
			const size = e.allowed ? ` · sent ${formatBytes(e.bytesSent)}, received ${formatBytes(e.bytesReceived)}` : "";
			row.setText(`${e.time.slice(11, 19)} · ${where} · ${e.purpose} · ${e.allowed ? e.outcome : "refused"}${size}${e.reason ? ` · ${e.reason}` : ""}`);
		}
	}

	/** Runs the check and shows what it found (also used by the "Run privacy check" command). */
	async runCheck(): Promise<PrivacyReport | null> {
		const el = this.reportEl;
		if (!el) return null;
		el.empty();
		el.createEl("p", { text: "Checking…" });
		let report: PrivacyReport;
		try {
			report = await this.deps.check();
		} catch (error) {
			el.empty();
			el.createEl("p", { cls: "clinical-vault-problem", text: toClinicalError(error).message });
			return null;
		}
		el.empty();
		el.createEl("p", {
			text: report.clean
				? "Nothing found that puts the record at risk."
				: `${report.findings.filter((f) => f.severity !== "info").length} thing(s) to fix.`,
		});
		const list = el.createEl("ul", { cls: "clinical-vault-privacy-findings" });
		for (const f of report.findings) {
			const li = list.createEl("li", { cls: `clinical-vault-privacy-${f.severity}` });
			li.createEl("strong", { text: `${f.severity === "high" ? "High" : f.severity === "medium" ? "Medium" : "Note"}: ` });
			li.appendText(f.what);
			if (f.path) li.createDiv({ cls: "clinical-vault-search-meta", text: f.path });
			li.createDiv({ cls: "clinical-vault-privacy-fix", text: `Fix: ${f.fix}` });
		}
		for (const c of report.checks.filter((x) => !x.ran))
			el.createEl("p", { cls: "clinical-vault-search-meta", text: `Not checked: ${c.check} (${c.note ?? "unavailable"}).` });
		return report;
	}

	override async onClose(): Promise<void> {
		this.stop?.();
		this.stop = null;
		this.contentEl.empty();
	}
}
