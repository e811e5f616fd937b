/** A request the manager will not carry out in its present state; the reason says why (answered 409). */
export class RefusedError extends Error {}
