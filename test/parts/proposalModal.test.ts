// @vitest-environment happy-dom
/**
 * The proposal modal shows what the checks left out and where the client's name was replaced (by
 * item and reason, never the text), and sets every model string (summary, evidence) as text: a
 * hostile string shows as the characters it is, never as HTML or markdown.
 */
import { describe, expect, it } from "vitest";
import type { App } from "obsidian";
import { reviewProposal } from "../../src/obsidian/care/ProposalModal";
import { createTestVault } from "../support/obsidian-harness";

describe("the proposal modal", () => {
	it("lists the dropped and redacted items and renders model strings as text", async () => {
		const vault = await createTestVault("cv-modal-");
		try {
			const app = vault.app as unknown as App;
			const hostile = '<img src="https://x.test/y.png"> ![[C-0199/notes/x.md]]';
			const result = reviewProposal(app, {
				title: "Update parts map",
				description: "From a session.",
				changes: [{ id: "a1b2c3", kind: "new-part", summary: `New part "${hostile}"`, evidence: `<b>${hostile}</b>` }],
				dropped: [
					{ item: 'part 1 "the Exile" fear 1', reason: "touches the risk domain" },
					{ item: "part 2 name", reason: "names a diagnosis" },
				],
				redacted: [{ item: 'part 1 "the Exile" role', reason: 'client\'s name replaced by "the client"' }],
			});
			const modal = document.querySelector(".clinical-vault-proposal-modal")!;
			expect(modal).not.toBeNull();
			const lists = [...modal.querySelectorAll(".clinical-vault-proposal-checked")];
			expect(lists.map((l) => [...l.querySelectorAll("li")].map((li) => li.textContent))).toEqual([
				['part 1 "the Exile" fear 1: touches the risk domain', "part 2 name: names a diagnosis"],
				['part 1 "the Exile" role: client\'s name replaced by "the client"'],
			]);
			expect(modal.querySelector(".clinical-vault-proposal-evidence")?.textContent).toBe(`<b>${hostile}</b>`);
			expect(modal.querySelector(".setting-item-name")?.textContent).toBe(`New part "${hostile}"`);
			expect(modal.querySelectorAll("img, b, a").length).toBe(0);
			const cancel = [...modal.querySelectorAll("button")].find((b) => b.textContent === "Cancel")!;
			cancel.click();
			expect(await result).toBeNull();
		} finally {
			await vault.cleanup();
		}
	});
});
