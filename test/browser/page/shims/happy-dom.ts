/**
 * `happy-dom` in the browser page: test/support/obsidian-dom.ts imports happy-dom's Window but, when
 * a global window and document exist (as they do in Chromium), uses those and never constructs one.
 * Constructing it here would mean the page is not using the real DOM, so it throws.
 */
export class Window {
	constructor() {
		throw new Error("happy-dom is not part of the browser page: obsidian-dom.ts should have used the real window");
	}
}
