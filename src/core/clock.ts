/** Time behind an interface so tests can drive idle locking, retention and review dates. */
export interface Clock {
	now(): Date;
}

export const systemClock: Clock = {
	now: () => new Date(),
};

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
	private current: number;
	constructor(start: Date | string = "2026-09-01T09:00:00Z") {
		this.current = new Date(start).getTime();
	}
	now(): Date {
		return new Date(this.current);
	}
	advance(ms: number): void {
		this.current += ms;
	}
	set(date: Date | string): void {
		this.current = new Date(date).getTime();
	}
}
