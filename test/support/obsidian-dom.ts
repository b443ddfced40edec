/**
 * DOM for the obsidian stub: the vitest happy-dom environment when there is one, otherwise (the
 * benchmark) a happy-dom Window of our own, never installed as a global. Obsidian's element helpers
 * (createEl, createDiv, setText, addClass, empty, …) are installed on that DOM's prototypes, and
 * createEl/createDiv/createSpan/createFragment on its window, the way Obsidian provides them.
 */
import { Window as HappyWindow } from "happy-dom";

const XHTML = "http://www.w3.org/1999/xhtml";

interface ElementInfo {
	cls?: string | string[];
	text?: string | DocumentFragment;
	attr?: Record<string, string | number | boolean | null>;
	title?: string;
	parent?: Node;
	value?: string;
	type?: string;
	prepend?: boolean;
	placeholder?: string;
	href?: string;
}

type Info = ElementInfo | string | undefined;

/** The DOM classes of that window (events must be built with the window's own classes). */
export interface DomClasses {
	Event: typeof Event;
	KeyboardEvent: typeof KeyboardEvent;
	InputEvent: typeof InputEvent;
	MouseEvent: typeof MouseEvent;
	HTMLElement: typeof HTMLElement;
	HTMLInputElement: typeof HTMLInputElement;
	HTMLTextAreaElement: typeof HTMLTextAreaElement;
	HTMLButtonElement: typeof HTMLButtonElement;
}

export interface Dom {
	window: Window;
	classes: DomClasses;
	document: Document;
	/** True when this DOM is the global one (vitest's happy-dom environment). */
	isGlobal: boolean;
	/** Obsidian's createEl without a parent. */
	make<K extends keyof HTMLElementTagNameMap>(tag: K, info?: Info): HTMLElementTagNameMap[K];
	close(): Promise<void>;
}

function classesOf(cls: string | string[] | undefined): string[] {
	if (cls === undefined) return [];
	return (Array.isArray(cls) ? cls : cls.split(" ")).filter((c) => c !== "");
}

function setText(el: Element, text: string | DocumentFragment): void {
	if (typeof text === "string") el.textContent = text;
	else {
		el.textContent = "";
		el.appendChild(text);
	}
}

function build<K extends keyof HTMLElementTagNameMap>(
	doc: Document,
	tag: K,
	info: Info,
	parent: Node | undefined,
	callback?: (el: HTMLElementTagNameMap[K]) => void,
): HTMLElementTagNameMap[K] {
	const el = doc.createElementNS(XHTML, tag) as HTMLElementTagNameMap[K];
	const o: ElementInfo = typeof info === "string" ? { cls: info } : (info ?? {});
	for (const c of classesOf(o.cls)) el.classList.add(c);
	if (o.text !== undefined) setText(el, o.text);
	if (o.attr) for (const [k, v] of Object.entries(o.attr)) if (v !== null && v !== false) el.setAttribute(k, v === true ? "" : String(v));
	if (o.title !== undefined) el.title = o.title;
	if (o.value !== undefined && "value" in el) (el as HTMLInputElement).value = o.value;
	if (o.type !== undefined) el.setAttribute("type", o.type);
	if (o.placeholder !== undefined) el.setAttribute("placeholder", o.placeholder);
	if (o.href !== undefined) el.setAttribute("href", o.href);
	const target = o.parent ?? parent;
	if (target) {
		if (o.prepend) target.insertBefore(el, target.firstChild);
		else target.appendChild(el);
	}
	callback?.(el);
	return el;
}

function install(win: Window, doc: Document): void {
	const classes = win as unknown as {
		Node: typeof Node;
		Element: typeof Element;
		HTMLElement: typeof HTMLElement;
		DocumentFragment: typeof DocumentFragment;
	};
	Object.assign(classes.Node.prototype, {
		empty(this: Node): void {
			while (this.firstChild) this.removeChild(this.firstChild);
		},
		detach(this: Node): void {
			this.parentNode?.removeChild(this);
		},
		createEl<K extends keyof HTMLElementTagNameMap>(this: Node, tag: K, info?: Info, callback?: (el: HTMLElementTagNameMap[K]) => void) {
			return build(doc, tag, info, this, callback);
		},
		createDiv(this: Node, info?: Info, callback?: (el: HTMLDivElement) => void) {
			return build(doc, "div", info, this, callback);
		},
		createSpan(this: Node, info?: Info, callback?: (el: HTMLSpanElement) => void) {
			return build(doc, "span", info, this, callback);
		},
		appendText(this: Node, text: string): void {
			this.appendChild(doc.createTextNode(text));
		},
	});
	Object.assign(classes.Element.prototype, {
		setText(this: Element, text: string | DocumentFragment): void {
			setText(this, text);
		},
		getText(this: Element): string {
			return this.textContent ?? "";
		},
		addClass(this: Element, ...names: string[]): void {
			for (const c of names.flatMap((x) => classesOf(x))) this.classList.add(c);
		},
		addClasses(this: Element, names: string[]): void {
			for (const c of names) this.classList.add(c);
		},
		removeClass(this: Element, ...names: string[]): void {
			for (const c of names.flatMap((x) => classesOf(x))) this.classList.remove(c);
		},
		removeClasses(this: Element, names: string[]): void {
			for (const c of names) this.classList.remove(c);
		},
		toggleClass(this: Element, names: string | string[], value: boolean): void {
			for (const c of classesOf(names)) this.classList.toggle(c, value);
		},
		hasClass(this: Element, name: string): boolean {
			return this.classList.contains(name);
		},
		setAttr(this: Element, name: string, value: string | number | boolean | null): void {
			if (value === null) this.removeAttribute(name);
			else this.setAttribute(name, String(value));
		},
		setAttrs(this: Element, attrs: Record<string, string | number | boolean | null>): void {
			for (const [k, v] of Object.entries(attrs)) {
				if (v === null) this.removeAttribute(k);
				else this.setAttribute(k, String(v));
			}
		},
		getAttr(this: Element, name: string): string | null {
			return this.getAttribute(name);
		},
		find(this: Element, selector: string): Element | null {
			return this.querySelector(selector);
		},
		findAll(this: Element, selector: string): Element[] {
			return Array.from(this.querySelectorAll(selector));
		},
	});
	Object.assign(classes.HTMLElement.prototype, {
		show(this: HTMLElement): void {
			this.hidden = false;
		},
		hide(this: HTMLElement): void {
			this.hidden = true;
		},
		toggle(this: HTMLElement, show: boolean): void {
			this.hidden = !show;
		},
		isShown(this: HTMLElement): boolean {
			return !this.hidden;
		},
		onClickEvent(this: HTMLElement, listener: (ev: MouseEvent) => unknown): void {
			this.addEventListener("click", listener);
		},
	});
	Object.assign(win, {
		createEl: <K extends keyof HTMLElementTagNameMap>(tag: K, info?: Info, callback?: (el: HTMLElementTagNameMap[K]) => void) =>
			build(doc, tag, info, undefined, callback),
		createDiv: (info?: Info, callback?: (el: HTMLDivElement) => void) => build(doc, "div", info, undefined, callback),
		createSpan: (info?: Info, callback?: (el: HTMLSpanElement) => void) => build(doc, "span", info, undefined, callback),
		createFragment: (callback?: (el: DocumentFragment) => void) => {
			const fragment = new classes.DocumentFragment();
			callback?.(fragment);
			return fragment;
		},
	});
}

let current: Dom | null = null;

/** The stub's DOM: the global one under vitest's happy-dom environment, else a private happy-dom Window. */
export function ensureDom(): Dom {
	if (current) return current;
	const isGlobal = typeof window !== "undefined" && typeof document !== "undefined";
	const own = isGlobal ? null : new HappyWindow({ url: "app://obsidian.md/" });
	const win = own ? (own as unknown as Window) : window;
	const doc = win.document;
	install(win, doc);
	current = {
		window: win,
		classes: win as unknown as DomClasses,
		document: doc,
		isGlobal,
		make: (tag, info) => build(doc, tag, info, undefined),
		close: async () => {
			if (own) await own.happyDOM.close();
		},
	};
	return current;
}
