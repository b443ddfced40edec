/**
 * The encrypted note editor: CodeMirror 6, the editor Obsidian itself is built on, from the copy
 * Obsidian ships (esbuild leaves @codemirror/state, view, commands, language, search, autocomplete
 * and @lezer/common/highlight external). Only the markdown grammar (@codemirror/lang-markdown,
 * @lezer/markdown) is bundled, because Obsidian does not expose its own.
 *
 * What a clinician expects of Obsidian's editor: markdown highlighting, lists that continue on
 * Enter and indent with Tab, brackets that pair, undo and redo, search and replace in the note
 * (Mod-F), spellcheck, [[link]] completion from the client's record, Ctrl/Cmd-S to save. The undo
 * history starts at the loaded text, so undo can never reach an empty or an older note.
 *
 * Nothing here can reach the network: the editor shows text only (no images, no embeds); pasted
 * or dropped files are refused with the reason, never written in plain text anywhere.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { HighlightStyle, LanguageSupport, syntaxHighlighting } from "@codemirror/language";
import { deleteMarkupBackward, insertNewlineContinueMarkup, markdownLanguage } from "@codemirror/lang-markdown";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { Annotation, Compartment, EditorState, Prec, type ChangeSet, type Extension } from "@codemirror/state";
import { EditorView, keymap, type KeyBinding } from "@codemirror/view";
import { tags } from "@lezer/highlight";

/** Whether an editor takes edits (a signed note, or a record that is locking, does not). */
const editing = new Compartment();

function readOnlyExtension(readOnly: boolean): Extension {
	return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

/** Makes an editor read-only from now on (the record is locking). */
export function stopEditing(view: EditorView): void {
	view.dispatch({ effects: editing.reconfigure(readOnlyExtension(true)) });
}

/** Marks a transaction that brings another view's edit: not this view's own (no autosave, no undo entry). */
export const remoteEdit = Annotation.define<boolean>();

/**
 * Above this size (in characters) a note is edited as plain text: the markdown grammar re-parses a
 * whole paragraph on every keystroke, and one enormous paragraph (a pasted transcript without
 * blank lines) made typing take most of a second per key in a 5 MB note. Reading mode is unchanged.
 */
export const PLAIN_EDITING_ABOVE = 2 * 1024 * 1024;

export interface NoteEditorOptions {
	readOnly: boolean;
	/** The note's length: large notes are edited as plain text (PLAIN_EDITING_ABOVE). */
	length: number;
	/** An edit made in this editor (typing, paste, undo): the shared document takes it. */
	onLocalChange(changes: ChangeSet): void;
	/** Ctrl/Cmd-S. */
	onSave(): void;
	/** Link targets for [[ completion: record paths without ".md" (most relevant first). */
	linkTargets(): Promise<string[]>;
	/** A file was pasted or dropped: refused with the reason. */
	onFileRefused(): void;
}

/** Markdown colours from Obsidian's own theme variables, so the editor follows light and dark themes. */
const noteHighlight = HighlightStyle.define([
	{ tag: tags.heading1, fontWeight: "var(--h1-weight, 700)", fontSize: "var(--h1-size, 1.6em)", color: "var(--h1-color, var(--text-normal))" },
	{ tag: tags.heading2, fontWeight: "var(--h2-weight, 700)", fontSize: "var(--h2-size, 1.4em)", color: "var(--h2-color, var(--text-normal))" },
	{ tag: [tags.heading3, tags.heading4, tags.heading5, tags.heading6], fontWeight: "var(--h3-weight, 600)", color: "var(--h3-color, var(--text-normal))" },
	{ tag: tags.emphasis, fontStyle: "italic" },
	{ tag: tags.strong, fontWeight: "var(--bold-weight, 700)" },
	{ tag: tags.strikethrough, textDecoration: "line-through" },
	{ tag: [tags.link, tags.url], color: "var(--text-accent)" },
	{ tag: tags.monospace, fontFamily: "var(--font-monospace)", color: "var(--code-normal, var(--text-normal))" },
	{ tag: tags.quote, color: "var(--text-muted)" },
	{ tag: [tags.processingInstruction, tags.meta, tags.contentSeparator], color: "var(--text-faint)" },
	{ tag: tags.comment, color: "var(--text-faint)" },
]);

const noteTheme = EditorView.theme({
	"&": { color: "var(--text-normal)", backgroundColor: "transparent", fontSize: "var(--font-text-size)", height: "100%" },
	"&.cm-focused": { outline: "none" },
	".cm-scroller": { fontFamily: "var(--font-text)", lineHeight: "var(--line-height-normal)" },
	".cm-content": { caretColor: "var(--caret-color, var(--text-normal))", padding: "var(--size-4-3) 0", maxWidth: "var(--file-line-width, 700px)" },
	".cm-cursor": { borderLeftColor: "var(--caret-color, var(--text-normal))" },
	"&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "var(--text-selection)" },
	".cm-panels": { backgroundColor: "var(--background-secondary)", color: "var(--text-normal)", borderColor: "var(--background-modifier-border)" },
	".cm-searchMatch": { backgroundColor: "var(--text-highlight-bg)" },
	".cm-tooltip": { backgroundColor: "var(--background-primary)", border: "1px solid var(--background-modifier-border)", color: "var(--text-normal)" },
	".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "var(--background-modifier-hover)", color: "var(--text-normal)" },
});

/** The note name typed after "[[" so far, and where it starts. */
function linkQuery(context: CompletionContext): { from: number; text: string } | null {
	const before = context.matchBefore(/\[\[[^\]|#\n]*$/);
	if (!before) return null;
	return { from: before.from + 2, text: before.text.slice(2) };
}

function linkCompletion(targets: () => Promise<string[]>) {
	return async (context: CompletionContext): Promise<CompletionResult | null> => {
		const query = linkQuery(context);
		if (!query) return null;
		const after = context.state.sliceDoc(context.pos, context.pos + 2);
		const close = after === "]]" ? "" : "]]";
		const options = (await targets()).map((target) => ({
			label: target.slice(target.lastIndexOf("/") + 1),
			detail: target.includes("/") ? target.slice(0, target.lastIndexOf("/")) : undefined,
			apply: `${target}${close}`,
			type: "text",
		}));
		return { from: query.from, options, validFor: /^[^\]|#\n]*$/ };
	};
}

/** A read-only view of a large note's text (reading mode for notes over PLAIN_EDITING_ABOVE: rendering megabytes of HTML would stall the window). */
export function plainReaderExtensions(): Extension[] {
	return [noteTheme, EditorView.lineWrapping, EditorState.readOnly.of(true), EditorView.editable.of(false), search({ top: true }), keymap.of(searchKeymap)];
}

/** The extensions of one view's editor. */
export function noteEditorExtensions(options: NoteEditorOptions): Extension[] {
	const save: KeyBinding = {
		key: "Mod-s",
		preventDefault: true,
		run: () => {
			options.onSave();
			return true;
		},
	};
	const listKeys: KeyBinding[] = [
		{ key: "Enter", run: insertNewlineContinueMarkup },
		{ key: "Backspace", run: deleteMarkupBackward },
	];
	const markdown = options.length <= PLAIN_EDITING_ABOVE;
	return [
		history(),
		markdown ? [new LanguageSupport(markdownLanguage), syntaxHighlighting(noteHighlight)] : [],
		noteTheme,
		EditorView.lineWrapping,
		search({ top: true }),
		highlightSelectionMatches(),
		closeBrackets(),
		autocompletion({ override: [linkCompletion(() => options.linkTargets())], icons: false }),
		editing.of(readOnlyExtension(options.readOnly)),
		EditorView.contentAttributes.of({ spellcheck: "true", autocorrect: "on", autocapitalize: "sentences", "aria-label": "Encrypted note" }),
		Prec.highest(keymap.of([save])),
		keymap.of([
			...closeBracketsKeymap,
			...completionKeymap,
			...(markdown ? listKeys : []),
			...searchKeymap,
			...historyKeymap,
			indentWithTab,
			...defaultKeymap,
		]),
		EditorView.domEventHandlers({
			paste: (event) => refuseFiles(event.clipboardData, event, options),
			drop: (event) => refuseFiles(event.dataTransfer, event, options),
		}),
		EditorView.updateListener.of((update) => {
			for (const tr of update.transactions) {
				if (tr.docChanged && !tr.annotation(remoteEdit)) options.onLocalChange(tr.changes);
			}
		}),
	];
}

function refuseFiles(data: DataTransfer | null, event: Event, options: NoteEditorOptions): boolean {
	if (!data || data.files.length === 0) return false;
	event.preventDefault();
	options.onFileRefused();
	return true;
}
