// Errors raised by the output-formatting layer. Each carries a message a person can act on;
// `hint`, when present, says what to do instead.

export class FormatError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(hint === undefined ? message : `${message} (${hint})`);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** A JSONPath template that cannot be parsed, or whose evaluation failed. */
export class JsonPathError extends FormatError {}

/** A label or field selector with bad syntax or an unsupported field. */
export class SelectorError extends FormatError {}

/** An `-o` value that names no printer, or a printer given an unusable argument. */
export class OutputFormatError extends FormatError {}
