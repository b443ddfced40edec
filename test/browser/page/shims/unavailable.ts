/**
 * A Node built-in the page does not provide (http, https, dns, net, child_process, crypto, ...):
 * what the plugin needs them for is its engines (Ollama, whisper.cpp, ffmpeg) and exports, which
 * the view tests do not run. The harness bundles each such module as this proxy with the real
 * module's export names, so importing it works and every use throws an error naming the call,
 * e.g. "node:http.request is not available in the browser test page".
 */
function fail(path: string): Error {
	return new Error(`${path} is not available in the browser test page (a Node built-in the page does not provide; the view tests run no engines)`);
}

function stand(path: string): unknown {
	return new Proxy(function unavailable() {}, {
		get: (_target, key) => (typeof key === "symbol" || key === "then" || key === "__esModule" ? undefined : stand(`${path}.${key}`)),
		apply: () => {
			throw fail(path);
		},
		construct: () => {
			throw fail(`new ${path}`);
		},
	});
}

export function unavailableModule(name: string): Record<string, unknown> {
	return stand(name) as Record<string, unknown>;
}
