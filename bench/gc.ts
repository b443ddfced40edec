/** A full garbage collection for memory figures (gc is reached through a fresh context; no flag needed). */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | null | undefined;

export function collect(): void {
	if (gc === undefined) {
		try {
			setFlagsFromString("--expose-gc");
			gc = runInNewContext("gc") as () => void;
		} catch {
			gc = null;
		}
	}
	gc?.();
}
