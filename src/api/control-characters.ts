// Kept apart from the zod schemas: the instance manager checks configuration text with it and
// would otherwise load zod (about 13 MB of its resident memory) for one regular expression.
const CONTROL_CHARACTER = /\p{Cc}/u;

export const hasControlCharacter = (text: string): boolean => CONTROL_CHARACTER.test(text);
