/** Time as the master's services see it: injected, so unit tests drive it by hand. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
